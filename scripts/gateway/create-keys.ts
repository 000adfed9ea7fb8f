/**
 * API keys for the gateway, one per org user in network.json (each org's
 * client users and its admin). Only sha256 hashes are kept (keys.json). A new
 * plain key is shown once: the keys issued by one run replace the content of
 * api-keys.txt (mode 0600), which the user is told to hand out and delete, or
 * go to stdout with --stdout. Keys issued earlier are never written again,
 * and a revoked key's line is taken out of api-keys.txt.
 *
 *   npx tsx scripts/gateway/create-keys.ts            create keys for users that have none
 *   npx tsx scripts/gateway/create-keys.ts --rotate   revoke every active key and issue new ones
 *   ... [--rotate] --stdout                           print the new keys instead of writing api-keys.txt
 *   npx tsx scripts/gateway/create-keys.ts revoke ID  revoke one key (its id, or MSPID/user)
 *   npx tsx scripts/gateway/create-keys.ts list       list keys (ids, users, state; no secrets)
 *
 * RXTRACE_DATA (default <repo>/.rxtrace) locates network.json and gateway/.
 * RXTRACE_GATEWAY_ORG=<org> issues keys for that org's users only, into that
 * org's gateway folder (gateway/<org>/keys.json, gateway/<org>/api-keys.txt):
 * each org's gateway reads its own keys file.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateApiKey, hashApiKey, parseKeyFile, type ApiKeyRecord, type KeyFile } from "../../gateway/src/auth/api-keys.js";
import { isMspId, isRole } from "../../gateway/src/auth/principal.js";
import { readNetworkDescription } from "../../gateway/src/adapters/fabric-network.js";
import { PRIVATE_FILE_MODE, privateDir, privateFile } from "../../gateway/src/adapters/private-files.js";
import { loadConfigFromProcess } from "../../gateway/src/config.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const config = loadConfigFromProcess(repoRoot);
const plainFile = path.join(config.stateDir, "api-keys.txt");

function readKeys(): KeyFile {
  if (!existsSync(config.keysFile)) return { version: 1, keys: [] };
  return parseKeyFile(JSON.parse(readFileSync(config.keysFile, "utf8")));
}

/** Writes a whole file owner-only, by rename so a reader never sees half of it. */
function writePrivate(file: string, content: string): void {
  privateDir(path.dirname(file));
  const tmp = `${file}.tmp`;
  privateFile(tmp);
  writeFileSync(tmp, content, { mode: PRIVATE_FILE_MODE });
  renameSync(tmp, file);
}

function writeKeys(file: KeyFile): void {
  writePrivate(config.keysFile, JSON.stringify(file, null, 2) + "\n");
}

const PLAIN_HEADER = "# mspId\tuser\trole\tkeyId\tkey: shown once, only their sha256 are kept; give each key to its user, then delete this file\n";

/** Takes the lines of keys that are no longer active out of api-keys.txt. */
function prunePlainFile(file: KeyFile): void {
  if (!existsSync(plainFile)) return;
  const activeIds = new Set(file.keys.filter(active).map((k) => k.id));
  const lines = readFileSync(plainFile, "utf8").split("\n");
  const kept = lines.filter((line) => line.startsWith("#") || line.trim() === "" || activeIds.has(line.split("\t")[3] ?? ""));
  if (kept.length !== lines.length) writePrivate(plainFile, kept.join("\n"));
}

function active(record: ApiKeyRecord): boolean {
  return !record.revokedAt;
}

function create(rotate: boolean, toStdout: boolean): void {
  const network = readNetworkDescription(config.networkFile);
  const file = readKeys();
  const now = new Date().toISOString();
  if (rotate) for (const k of file.keys) if (active(k)) k.revokedAt = now;
  const issued: string[] = [];
  const orgs = config.org === undefined ? network.orgs : network.orgs.filter((o) => o.name === config.org);
  if (orgs.length === 0) throw new Error(`network.json has no org ${config.org}`);
  for (const org of orgs) {
    if (!isMspId(org.mspId)) throw new Error(`network.json: unknown MSP id ${org.mspId}`);
    const users = [...org.users, org.admin];
    for (const user of users) {
      if (!isRole(user.role)) throw new Error(`network.json: user ${user.name} of ${org.mspId} has unknown role ${user.role}`);
      if (file.keys.some((k) => active(k) && k.mspId === org.mspId && k.user === user.name)) continue;
      const plain = generateApiKey();
      const id = `${org.name}-${user.name}-${randomBytes(3).toString("hex")}`;
      file.keys.push({ id, sha256: hashApiKey(plain), user: user.name, mspId: org.mspId, role: user.role, createdAt: now, revokedAt: null });
      issued.push(`${org.mspId}\t${user.name}\t${user.role}\t${id}\t${plain}`);
    }
  }
  writeKeys(file);
  if (issued.length === 0) {
    prunePlainFile(file);
    process.stdout.write(`no new key: every org user has one (only their sha256 are kept, in ${config.keysFile}); a lost key is replaced with --rotate\n`);
    return;
  }
  if (toStdout) {
    process.stdout.write(PLAIN_HEADER.replace(", then delete this file", "") + issued.join("\n") + "\n");
    process.stderr.write(`${issued.length} key(s) issued and printed above, this once; only their sha256 are kept, in ${config.keysFile}\n`);
    prunePlainFile(file);
    return;
  }
  writePrivate(plainFile, PLAIN_HEADER + issued.join("\n") + "\n");
  process.stdout.write(
    `${issued.length} key(s) issued; only their sha256 are kept, in ${config.keysFile}.\n` +
      `The plain keys are in ${plainFile} (0600), shown this once: give each to its user, then delete the file.\n`,
  );
}

function revoke(which: string): void {
  const file = readKeys();
  const matches = file.keys.filter((k) => active(k) && (k.id === which || `${k.mspId}/${k.user}` === which));
  if (matches.length === 0) throw new Error(`no active key ${which}`);
  const now = new Date().toISOString();
  for (const k of matches) k.revokedAt = now;
  writeKeys(file);
  prunePlainFile(file);
  process.stdout.write(`revoked ${matches.map((k) => k.id).join(", ")}\n`);
}

function list(): void {
  for (const k of readKeys().keys) {
    process.stdout.write(`${k.id}\t${k.mspId}\t${k.user}\t${k.role}\t${k.revokedAt ? `revoked ${k.revokedAt}` : "active"}\n`);
  }
}

try {
  const args = process.argv.slice(2);
  const toStdout = args.includes("--stdout");
  const [command, arg] = args.filter((a) => a !== "--stdout");
  if (command === undefined || command === "--rotate") create(command === "--rotate", toStdout);
  else if (command === "revoke" && arg) revoke(arg);
  else if (command === "list") list();
  else throw new Error("usage: create-keys.ts [--rotate] [--stdout] | revoke <keyId|MSPID/user> | list");
} catch (err) {
  process.stderr.write(`create-keys: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
