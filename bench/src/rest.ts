/**
 * A lean HTTP client for the gateway's REST API: node:http with keep-alive
 * (the load generator shares 2 cores with the system it measures, so it must
 * stay cheap). A non-2xx answer throws a RestError carrying the API's code.
 */
import http from "node:http";

export class RestError extends Error {
  override readonly name = "RestError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A 2xx answer with its headers (the blocks a write committed in: X-Ledger-Block). */
export interface RestAnswer {
  readonly body: unknown;
  readonly headers: http.IncomingHttpHeaders;
}

export interface RestClient {
  get(path: string, key: string): Promise<unknown>;
  post(path: string, key: string, body: unknown): Promise<unknown>;
  /** A JSON call with extra request headers (Idempotency-Key, X-Min-Block), answering the headers too. */
  exchange(method: string, path: string, key: string, body?: unknown, headers?: http.OutgoingHttpHeaders): Promise<RestAnswer>;
  /** A raw body with its content type (document uploads). */
  postRaw(path: string, key: string, body: Buffer, contentType: string): Promise<unknown>;
  close(): void;
}

export function newRestClient(baseUrl: string, maxSockets = 256): RestClient {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const send = (method: string, path: string, key: string, body?: Buffer, contentType?: string, extra: http.OutgoingHttpHeaders = {}): Promise<RestAnswer> =>
    new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { ...extra, "x-api-key": key };
      if (body !== undefined) {
        headers["content-type"] = contentType ?? "application/json";
        headers["content-length"] = body.length;
      }
      const req = http.request({ host: url.hostname, port: url.port, path: `/v1${path}`, method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = undefined;
          try {
            parsed = text === "" ? undefined : JSON.parse(text);
          } catch {
            parsed = text;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve({ body: parsed, headers: res.headers });
            return;
          }
          const err = (typeof parsed === "object" && parsed !== null ? parsed : {}) as { code?: string; message?: string };
          reject(new RestError(status, err.code ?? `HTTP_${status}`, `${method} ${path}: ${status} ${err.code ?? ""} ${err.message ?? text}`));
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  const bodyOf = async (answer: Promise<RestAnswer>): Promise<unknown> => (await answer).body;
  return {
    get: (path, key) => bodyOf(send("GET", path, key)),
    post: (path, key, body) => bodyOf(send("POST", path, key, Buffer.from(JSON.stringify(body)))),
    exchange: (method, path, key, body, headers) => send(method, path, key, body === undefined ? undefined : Buffer.from(JSON.stringify(body)), undefined, headers),
    postRaw: (path, key, body, contentType) => bodyOf(send("POST", path, key, body, contentType)),
    close: () => agent.destroy(),
  };
}

/**
 * The block a channel's entry of an `X-Ledger-Block` header names
 * (`<channel>:<block>[, ...]`); undefined when the header has no entry for it.
 */
export function blockOn(header: string | string[] | undefined, channel: string): bigint | undefined {
  const text = Array.isArray(header) ? header.join(",") : (header ?? "");
  for (const part of text.split(",")) {
    const match = /^\s*([^:\s]+):([0-9]+)\s*$/.exec(part);
    if (match && match[1] === channel) return BigInt(match[2] ?? "0");
  }
  return undefined;
}
