/**
 * The gateway's state (stored responses in idempotency.db, the event index,
 * checkpoints, API key hashes) is for its own user only: folders 0700, files
 * 0600, whatever the umask of the process that starts it. A file made before
 * this rule keeps its old mode until it is opened through these functions.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the folder (and missing parents) owner-only, and narrows it when it already exists. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Creates the file empty when absent, owner-only, in an owner-only folder, so
 * whatever opens it next (SQLite, the Fabric checkpointer) writes into a file
 * no one else can read. SQLite gives its -wal and -shm files the database's mode.
 */
export function privateFile(file: string): void {
  privateDir(dirname(file));
  closeSync(openSync(file, "a", PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
}
