/**
 * The PostgreSQL database that replicas of one org's gateway share (set by
 * `databaseUrl`, RXTRACE_GATEWAY_DATABASE_URL): one connection pool per
 * process, checked and given its tables when the gateway starts. Without it
 * each gateway keeps the same state in its own SQLite files.
 */
import pg from "pg";

/** Every table the gateway keeps in PostgreSQL; `CREATE ... IF NOT EXISTS`, so replicas starting together agree. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS idempotency (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER,
  body TEXT,
  content_type TEXT,
  created_at TIMESTAMPTZ NOT NULL,
  -- A pending claim belongs to its replica until then; afterwards a retry takes it over.
  lease_until TIMESTAMPTZ,
  PRIMARY KEY (scope, key)
);
CREATE TABLE IF NOT EXISTS read_model_blocks (channel TEXT PRIMARY KEY, last_block BIGINT NOT NULL);
-- Fabric's composite keys hold U+0000, which a PostgreSQL text cannot: keys are bytes.
CREATE TABLE IF NOT EXISTS read_model_records (channel TEXT NOT NULL, key BYTEA NOT NULL, value TEXT NOT NULL, PRIMARY KEY (channel, key));
-- Times in milliseconds since the epoch, each replica's clock (a lease is minutes, far above their skew).
CREATE TABLE IF NOT EXISTS outbox (
  id BIGSERIAL PRIMARY KEY,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_error TEXT,
  alerted_at BIGINT,
  leased_until BIGINT,
  UNIQUE (kind, key)
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_attempt_at);
CREATE TABLE IF NOT EXISTS read_model_custody (
  channel TEXT NOT NULL, gtin TEXT NOT NULL, serial TEXT NOT NULL, tx_id TEXT NOT NULL,
  block BIGINT NOT NULL, position INTEGER NOT NULL, step TEXT NOT NULL,
  PRIMARY KEY (channel, gtin, serial, tx_id)
);
`;

/** The URL without its password, for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(not a URL)";
  }
}

/** Thrown when the database named by the URL cannot be reached or prepared. */
export class DatabaseUnreachableError extends Error {
  override readonly name = "DatabaseUnreachableError";
}

/**
 * Opens a pool on `url`, checks that the server answers (within
 * `connectTimeoutMs`) and creates the tables that are missing.
 * @throws DatabaseUnreachableError naming the address (not the password) and the cause
 */
export async function connectPostgres(url: string, options: { connectTimeoutMs?: number; max?: number } = {}): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000, max: options.max ?? 10 });
  // An idle client whose server went away emits here; the next query reports it.
  pool.on("error", () => undefined);
  try {
    const client = await pool.connect();
    try {
      // Two replicas starting together: one creates, the other waits for it.
      await client.query("SELECT pg_advisory_lock(hashtext('rxtrace gateway schema'))");
      await client.query(SCHEMA);
      await client.query("SELECT pg_advisory_unlock(hashtext('rxtrace gateway schema'))");
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = error instanceof Error ? error.message || error.name : String(error);
    throw new DatabaseUnreachableError(`cannot use the PostgreSQL database at ${redactedUrl(url)}: ${reason}`);
  }
  return pool;
}

/** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
