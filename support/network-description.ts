/**
 * Loads `$RXTRACE_DATA/network.json`, what `scripts/network.sh up` publishes
 * for clients, through the gateway's loader (gateway/src/adapters/fabric-network.ts,
 * the one description of the file), and finds orgs and users in it or fails
 * naming what is missing.
 */
import path from "node:path";
import {
  findOrg,
  findUser,
  parseNetworkDescription,
  readNetworkDescription as readFile,
  type NetworkDescription,
  type NetworkOrg,
  type NetworkUser,
} from "../gateway/src/adapters/fabric-network.js";

export { parseNetworkDescription, type NetworkDescription, type NetworkOrg, type NetworkUser };

/** Where the network description lives for this process. */
export function networkFile(env: NodeJS.ProcessEnv = process.env): string {
  const data = env.RXTRACE_DATA ?? path.resolve(import.meta.dirname, "../.rxtrace");
  return path.join(data, "network.json");
}

export function readNetworkDescription(file: string = networkFile()): NetworkDescription {
  try {
    return readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`no network description at ${file}: run scripts/network.sh up first`);
    throw error;
  }
}

export function orgByMsp(network: NetworkDescription, mspId: string): NetworkOrg {
  const found = findOrg(network, mspId);
  if (!found) throw new Error(`network.json has no org ${mspId}`);
  return found;
}

/** The org's user by name; "admin" is the org's admin. */
export function userOf(org: NetworkOrg, name: string): NetworkUser {
  const found = findUser(org, name);
  if (!found) throw new Error(`network.json has no user ${name} in ${org.mspId}`);
  return found;
}
