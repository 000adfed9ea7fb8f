/** Endpoints of the real services for the gateway integration tests (the defaults are the conventions' ports). */
import path from "node:path";

export const KUBO_API = process.env.RXTRACE_KUBO_API ?? "http://127.0.0.1:5001";
export const DATA_DIR = process.env.RXTRACE_DATA ?? path.resolve(import.meta.dirname, "../../../.rxtrace");
export const NETWORK_FILE = path.join(DATA_DIR, "network.json");
export const EVM_DEPLOYMENT = path.join(DATA_DIR, "evm", "deployment.json");

/** A string unique to this run, for ids the ledger must not have seen. */
export const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.toUpperCase();
