/**
 * Backup and restore of a gateway's state folder: what the ledger cannot
 * give back (API key hashes, stored idempotent answers, the relay outbox) and
 * what is slow to rebuild from it (the event index, the verify read model,
 * the listener's checkpoints).
 *
 * A backup is taken while the gateway runs. SQLite databases are copied with
 * SQLite's online backup (node:sqlite `backup`), each a consistent image; the
 * listener's checkpoint files are copied before the event index, so the
 * restored index is never behind its checkpoint (a checkpoint behind the
 * index only replays events the index already holds, which it ignores: one
 * row per channel and transaction), and the index before the relay outbox
 * (see DATABASES). The plain API keys file (`api-keys.txt`)
 * is left out: it is shown once and meant to be deleted. A manifest records
 * each file's SHA-256.
 *
 * A restore checks every file against the manifest before it writes
 * anything, and writes only into a state folder that holds no database (move
 * the old one aside first): it never mixes two states and never writes under
 * a running gateway.
 */
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { backup, DatabaseSync } from "node:sqlite";
import { PRIVATE_FILE_MODE, privateDir, privateFile } from "./private-files.js";

/** The files of a gateway's state folder, one name each: main.ts opens them, backups copy them. */
export const STATE_FILES = {
  idempotency: "idempotency.db",
  index: "index.db",
  readModel: "verify-read-model.db",
  outbox: "outbox.db",
  checkpoints: "checkpoints",
} as const;

/**
 * In the order they are copied, after the checkpoints: the index, then the
 * outbox. The relay's gateway enqueues relay work when the listener first
 * indexes a recall, and only then (an event read again is not new); an outbox
 * copied after the index holds the work of every event the index holds.
 */
const DATABASES = [STATE_FILES.index, STATE_FILES.outbox, STATE_FILES.idempotency, STATE_FILES.readModel] as const;
const KEYS = "keys.json";
const MANIFEST = "manifest.json";
const FORMAT = "rxtrace-gateway-state/1";

export interface ManifestFile {
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface StateManifest {
  readonly format: typeof FORMAT;
  readonly org: string | null;
  readonly createdAt: string;
  readonly files: readonly ManifestFile[];
}

export interface StatePaths {
  /** The gateway's state folder (config.stateDir). */
  readonly stateDir: string;
  /** The API key hashes (config.keysFile; inside stateDir by default). */
  readonly keysFile: string;
}

/** A backup or restore refused: names the file or folder at fault; nothing was written. */
export class StateBackupError extends Error {
  override readonly name = "StateBackupError";
}

const sha256 = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex");

function entry(root: string, relative: string): ManifestFile {
  const file = path.join(root, relative);
  const content = readFileSync(file);
  return { path: relative, sha256: createHash("sha256").update(content).digest("hex"), bytes: content.length };
}

/** Copies a file owner-only (a copy would otherwise take the source's mode). */
function copyPrivate(source: string, target: string): void {
  privateFile(target);
  copyFileSync(source, target);
  chmodSync(target, PRIVATE_FILE_MODE);
}

function checkpointNames(stateDir: string): string[] {
  const dir = path.join(stateDir, STATE_FILES.checkpoints);
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".json")).sort() : [];
}

/**
 * Copies the state of a (possibly running) gateway into `destination`, a folder that must not exist yet.
 * @returns the manifest written beside the copies
 */
export async function backupGatewayState(paths: StatePaths, destination: string, org?: string): Promise<StateManifest> {
  if (!existsSync(paths.stateDir)) throw new StateBackupError(`no gateway state at ${paths.stateDir}`);
  if (existsSync(destination)) throw new StateBackupError(`${destination} exists: a backup goes into a new folder`);
  privateDir(destination);
  const files: ManifestFile[] = [];
  // Checkpoints first, then the databases (the index, then the outbox).
  for (const name of checkpointNames(paths.stateDir)) {
    const relative = path.join(STATE_FILES.checkpoints, name);
    copyPrivate(path.join(paths.stateDir, relative), path.join(destination, relative));
    files.push(entry(destination, relative));
  }
  for (const name of DATABASES) {
    const source = path.join(paths.stateDir, name);
    if (!existsSync(source)) continue;
    const db = new DatabaseSync(source, { readOnly: true });
    try {
      privateFile(path.join(destination, name));
      await backup(db, path.join(destination, name));
    } finally {
      db.close();
    }
    files.push(entry(destination, name));
  }
  if (existsSync(paths.keysFile)) {
    copyPrivate(paths.keysFile, path.join(destination, KEYS));
    files.push(entry(destination, KEYS));
  }
  const manifest: StateManifest = { format: FORMAT, org: org ?? null, createdAt: new Date().toISOString(), files };
  privateFile(path.join(destination, MANIFEST));
  writeFileSync(path.join(destination, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function parseManifest(raw: unknown, file: string): StateManifest {
  const m = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  if (m.format !== FORMAT) throw new StateBackupError(`${file}: format must be ${FORMAT}`);
  if (!Array.isArray(m.files)) throw new StateBackupError(`${file}: files must be a list`);
  const files = (m.files as unknown[]).map((value, i): ManifestFile => {
    const f = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    if (typeof f.path !== "string" || typeof f.sha256 !== "string" || typeof f.bytes !== "number") {
      throw new StateBackupError(`${file}: files[${i}] must have a path, a sha256 and a size in bytes`);
    }
    return { path: f.path, sha256: f.sha256, bytes: f.bytes };
  });
  return { format: FORMAT, org: typeof m.org === "string" ? m.org : null, createdAt: typeof m.createdAt === "string" ? m.createdAt : "", files };
}

/** Reads a backup's manifest and checks every file it names; throws naming the first that is missing or changed. */
export function verifyBackup(source: string, org?: string): StateManifest {
  const file = path.join(source, MANIFEST);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new StateBackupError(`${file}: not a gateway state backup (${(error as Error).message})`);
  }
  const manifest = parseManifest(raw, file);
  if (org !== undefined && manifest.org !== null && manifest.org !== org) {
    throw new StateBackupError(`${source} is the ${manifest.org} gateway's state, not the ${org} gateway's`);
  }
  const allowed = new Set<string>([...DATABASES, KEYS]);
  for (const f of manifest.files) {
    const inCheckpoints = path.dirname(f.path) === STATE_FILES.checkpoints && /^[\w.-]+\.json$/.test(path.basename(f.path));
    if (!allowed.has(f.path) && !inCheckpoints) throw new StateBackupError(`${file}: ${f.path} is not a gateway state file`);
    const copy = path.join(source, f.path);
    if (!existsSync(copy)) throw new StateBackupError(`${copy} is missing from the backup`);
    if (sha256(copy) !== f.sha256) throw new StateBackupError(`${copy} differs from the manifest (SHA-256): the backup is damaged`);
  }
  return manifest;
}

/**
 * Restores a backup into a state folder that holds no database yet.
 * @throws StateBackupError, having written nothing, when the backup is damaged or the folder is in use
 */
export function restoreGatewayState(source: string, paths: StatePaths, org?: string): StateManifest {
  const manifest = verifyBackup(source, org);
  const present = DATABASES.filter((name) => existsSync(path.join(paths.stateDir, name)));
  if (present.length > 0) {
    throw new StateBackupError(`${paths.stateDir} already holds ${present.join(", ")}: stop its gateway and move the folder aside before a restore`);
  }
  for (const f of manifest.files) {
    const target = f.path === KEYS ? paths.keysFile : path.join(paths.stateDir, f.path);
    copyPrivate(path.join(source, f.path), target);
  }
  return manifest;
}
