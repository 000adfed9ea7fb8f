/**
 * API keys: only their sha256 hashes are stored (keys.json, written by
 * scripts/gateway/create-keys.ts). Each maps to one org user and role.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { TOPOLOGY, type Topology } from "../topology.js";
import type { Principal } from "./principal.js";
import { isMspId, ROLES } from "./principal.js";

export const ApiKeyRecordSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  sha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
  user: Type.String({ minLength: 1 }),
  /** An org of the topology: checked when the file is parsed (parseKeyFile), as orgs may join after launch. */
  mspId: Type.String({ minLength: 1 }),
  role: Type.Union(ROLES.map((r) => Type.Literal(r))),
  createdAt: Type.String(),
  revokedAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type ApiKeyRecord = Static<typeof ApiKeyRecordSchema>;

export const KeyFileSchema = Type.Object({
  version: Type.Literal(1),
  keys: Type.Array(ApiKeyRecordSchema),
});
export type KeyFile = Static<typeof KeyFileSchema>;

/** sha256 (hex) of a plain API key, the only form that is stored. */
export function hashApiKey(plainKey: string): string {
  return createHash("sha256").update(plainKey, "utf8").digest("hex");
}

/** A new random key: `rxt_` + 32 random bytes in base64url (256 bits). */
export function generateApiKey(): string {
  return `rxt_${randomBytes(32).toString("base64url")}`;
}

/** Looks up the principal of a presented key; undefined when unknown or revoked. */
export interface ApiKeyStore {
  authenticate(plainKey: string): Principal | undefined;
}

function toPrincipal(record: ApiKeyRecord): Principal {
  return { keyId: record.id, user: record.user, mspId: record.mspId, role: record.role };
}

function indexRecords(records: readonly ApiKeyRecord[]): Map<string, Principal> {
  const byHash = new Map<string, Principal>();
  for (const record of records) {
    if (record.revokedAt) continue;
    byHash.set(record.sha256, toPrincipal(record));
  }
  return byHash;
}

/** Parses keys.json content; throws naming the first wrong field, such as an MSP id no org of the topology has. */
export function parseKeyFile(content: unknown, topology: Topology = TOPOLOGY): KeyFile {
  const error = Value.Errors(KeyFileSchema, content).First();
  if (error) throw new Error(`keys file ${error.path || "(root)"}: ${error.message}`);
  const file = content as KeyFile;
  file.keys.forEach((k, i) => {
    if (!isMspId(k.mspId, topology)) throw new Error(`keys file /keys/${i}/mspId: names no org of the topology (${topology.orgs.map((o) => o.mspId).join(", ")}): ${k.mspId}`);
  });
  return file;
}

/** A fixed set of records, for tests and tools. */
export class StaticApiKeyStore implements ApiKeyStore {
  readonly #byHash: Map<string, Principal>;
  constructor(records: readonly ApiKeyRecord[]) {
    this.#byHash = indexRecords(records);
  }
  authenticate(plainKey: string): Principal | undefined {
    return this.#byHash.get(hashApiKey(plainKey));
  }
}

/**
 * Reads keys.json and re-reads it whenever its modification time or size
 * changes, so a revocation written by the script takes effect without restart.
 * A missing file means no key is valid. An org's gateway names its org
 * (`mspId`): a record of another org in the file is never valid there.
 */
export class FileApiKeyStore implements ApiKeyStore {
  readonly #file: string;
  readonly #mspId: string | undefined;
  #stamp = "";
  #byHash = new Map<string, Principal>();

  constructor(file: string, options: { mspId?: string } = {}) {
    this.#file = file;
    this.#mspId = options.mspId;
    this.#refresh();
  }

  authenticate(plainKey: string): Principal | undefined {
    this.#refresh();
    return this.#byHash.get(hashApiKey(plainKey));
  }

  #refresh(): void {
    let stamp: string;
    try {
      const st = statSync(this.#file);
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      this.#stamp = "";
      this.#byHash = new Map();
      return;
    }
    if (stamp === this.#stamp) return;
    const file = parseKeyFile(JSON.parse(readFileSync(this.#file, "utf8")));
    const own = this.#mspId;
    this.#byHash = indexRecords(own === undefined ? file.keys : file.keys.filter((k) => k.mspId === own));
    this.#stamp = stamp;
  }
}
