/**
 * API keys for the gateway, one per org user in network.json (each org's
 * client users and its admin). Only sha256 hashes go to keys.json; the plain
 * keys are written once to api-keys.txt (mode 0600) and never again.
 *
 *   npx tsx scripts/gateway/create-keys.ts            create keys for users that have none
 *   npx tsx scripts/gateway/create-keys.ts --rotate   revoke every active key and issue new ones
 *   npx tsx scripts/gateway/create-keys.ts revoke ID  revoke one key (its id, or MSPID/user)
 *   npx tsx scripts/gateway/create-keys.ts list       list keys (ids, users, state; no secrets)
 *
 * RXTRACE_DATA (default <repo>/.rxtrace) locates network.json and gateway/.
 */
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateApiKey, hashApiKey, parseKeyFile, type ApiKeyRecord, type KeyFile } from "../../gateway/src/auth/api-keys.js";
import { isMspId, isRole } from "../../gateway/src/auth/principal.js";
import { readNetworkDescription } from "../../gateway/src/adapters/fabric-network.js";
import { loadConfigFromProcess } from "../../gateway/src/config.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const config = loadConfigFromProcess(repoRoot);
const plainFile = path.join(config.stateDir, "api-keys.txt");

function readKeys(): KeyFile {
  if (!existsSync(config.keysFile)) return { version: 1, keys: [] };
  return parseKeyFile(JSON.parse(readFileSync(config.keysFile, "utf8")));
}

function writeKeys(file: KeyFile): void {
  mkdirSync(path.dirname(config.keysFile), { recursive: true });
  const tmp = `${config.keysFile}.tmp`;
  writeFileSync(tmp, JSON.stringify(file, null, 2) + "\n", { mode: 0o600 });
  renameSync(tmp, config.keysFile);
}

function active(record: ApiKeyRecord): boolean {
  return !record.revokedAt;
}

function create(rotate: boolean): void {
  const network = readNetworkDescription(config.networkFile);
  const file = readKeys();
  const now = new Date().toISOString();
  if (rotate) for (const k of file.keys) if (active(k)) k.revokedAt = now;
  const issued: string[] = [];
  for (const org of network.orgs) {
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
  if (issued.length > 0) {
    mkdirSync(path.dirname(plainFile), { recursive: true });
    if (!existsSync(plainFile)) writeFileSync(plainFile, "# mspId\tuser\trole\tkeyId\tkey (shown once; only hashes are kept)\n", { mode: 0o600 });
    appendFileSync(plainFile, issued.join("\n") + "\n");
    chmodSync(plainFile, 0o600);
  }
  process.stdout.write(`${issued.length} key(s) issued; hashes in ${config.keysFile}; plain keys appended to ${plainFile}\n`);
}

function revoke(which: string): void {
  const file = readKeys();
  const matches = file.keys.filter((k) => active(k) && (k.id === which || `${k.mspId}/${k.user}` === which));
  if (matches.length === 0) throw new Error(`no active key ${which}`);
  const now = new Date().toISOString();
  for (const k of matches) k.revokedAt = now;
  writeKeys(file);
  process.stdout.write(`revoked ${matches.map((k) => k.id).join(", ")}\n`);
}

function list(): void {
  for (const k of readKeys().keys) {
    process.stdout.write(`${k.id}\t${k.mspId}\t${k.user}\t${k.role}\t${k.revokedAt ? `revoked ${k.revokedAt}` : "active"}\n`);
  }
}

try {
  const [command, arg] = process.argv.slice(2);
  if (command === undefined || command === "--rotate") create(command === "--rotate");
  else if (command === "revoke" && arg) revoke(arg);
  else if (command === "list") list();
  else throw new Error("usage: create-keys.ts [--rotate] | revoke <keyId|MSPID/user> | list");
} catch (err) {
  process.stderr.write(`create-keys: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
