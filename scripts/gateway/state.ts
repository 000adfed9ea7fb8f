/**
 * Backup and restore of an org gateway's state folder (gateway/src/adapters/state-backup.ts):
 *
 *   npm run gateway:backup -- <org> <new folder>    while the gateway runs
 *   npm run gateway:restore -- <org> <backup folder> into a state folder with no database
 *
 * The org names the gateway (manufacturer, distributor, pharmacy, regulator),
 * whose state is $RXTRACE_DATA/gateway/<org>/ (or what RXTRACE_GATEWAY_CONFIG
 * says). When only the ledger survives, start the gateway on an empty state
 * folder: the event index and the verify read model are rebuilt from the
 * org's peer; API keys must then be issued again (create-keys.ts).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { backupGatewayState, restoreGatewayState } from "../../gateway/src/adapters/state-backup.js";
import { loadConfig } from "../../gateway/src/config.js";
import { TOPOLOGY } from "../../gateway/src/topology.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const USAGE = `usage: state.ts backup|restore <org> <folder>; org: ${TOPOLOGY.orgs.map((o) => o.name).join(", ")}`;

try {
  const [command, org, folder] = process.argv.slice(2);
  if ((command !== "backup" && command !== "restore") || org === undefined || folder === undefined) throw new Error(USAGE);
  if (!TOPOLOGY.orgs.some((o) => o.name === org)) throw new Error(`unknown org ${org}; ${USAGE}`);
  const config = loadConfig({ ...process.env, RXTRACE_GATEWAY_ORG: org }, repoRoot);
  const paths = { stateDir: config.stateDir, keysFile: config.keysFile };
  const target = path.resolve(folder);
  const manifest = command === "backup" ? await backupGatewayState(paths, target, org) : restoreGatewayState(target, paths, org);
  const bytes = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
  const verb = command === "backup" ? `backed up ${config.stateDir} into ${target}` : `restored ${target} (taken ${manifest.createdAt}) into ${config.stateDir}`;
  process.stdout.write(`${verb}: ${manifest.files.length} files, ${bytes} bytes (${manifest.files.map((f) => f.path).join(", ")})\n`);
} catch (err) {
  process.stderr.write(`gateway state: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
