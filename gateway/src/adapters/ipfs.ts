/**
 * ContentStore over a Kubo daemon's RPC API (kubo-rpc-client). The client
 * (9-13 MiB resident with its multiformats and HTTP stack) is loaded on the
 * first document call: a gateway that stores or reads no document, such as a
 * pharmacy's answering scans, never loads it. Readiness asks the daemon with a
 * plain RPC call.
 */
import { createHash } from "node:crypto";
import type { KuboRPCClient } from "kubo-rpc-client";
import {
  ContentNotFoundError,
  ContentStoreUnavailableError,
  ContentTooLargeError,
  type ContentStore,
  type StoredContent,
} from "../ports/content-store.js";

export interface KuboOptions {
  /** RPC API address, e.g. http://127.0.0.1:5001 */
  readonly url: string;
  /** Deadline of one RPC call in milliseconds. */
  readonly timeoutMs: number;
}

export function newKuboContentStore(options: KuboOptions): ContentStore {
  return new KuboContentStore(options);
}

class KuboContentStore implements ContentStore {
  readonly #options: KuboOptions;
  readonly #timeoutMs: number;
  #loading: Promise<KuboRPCClient> | undefined;

  constructor(options: KuboOptions) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs;
  }

  /** The RPC client, created on first use; a failed load is tried again on the next call. */
  #client(): Promise<KuboRPCClient> {
    this.#loading ??= import("kubo-rpc-client")
      .then(({ create }) => create({ url: this.#options.url, timeout: this.#options.timeoutMs }))
      .catch((error: unknown) => {
        this.#loading = undefined;
        throw error;
      });
    return this.#loading;
  }

  async add(content: AsyncIterable<Uint8Array>, options: { readonly maxBytes: number }): Promise<StoredContent> {
    const hash = createHash("sha256");
    let size = 0;
    let tooLarge = false;
    // Count and hash the bytes as Kubo pulls them, so nothing is buffered twice.
    async function* measured(): AsyncGenerator<Uint8Array> {
      for await (const chunk of content) {
        size += chunk.byteLength;
        if (size > options.maxBytes) {
          tooLarge = true;
          throw new ContentTooLargeError(options.maxBytes);
        }
        hash.update(chunk);
        yield chunk;
      }
    }
    try {
      const result = await (await this.#client()).add(measured(), { cidVersion: 1, rawLeaves: true, pin: false });
      return { cid: result.cid.toString(), sha256: hash.digest("hex"), size };
    } catch (error) {
      if (tooLarge) throw new ContentTooLargeError(options.maxBytes);
      throw unavailable("add", error);
    }
  }

  async get(cid: string, options: { readonly maxBytes: number }): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      const client = await this.#client();
      // The daemon runs offline, so a CID it does not hold fails at once instead of searching.
      for await (const chunk of client.cat(cid, { timeout: this.#timeoutMs })) {
        size += chunk.byteLength;
        if (size > options.maxBytes) throw new ContentTooLargeError(options.maxBytes);
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof ContentTooLargeError) throw error;
      if (isNotFound(error)) throw new ContentNotFoundError(cid);
      throw unavailable("cat", error);
    }
    return Buffer.concat(chunks);
  }

  async pin(cid: string): Promise<boolean> {
    try {
      if (await this.#hasOwnPin(cid)) return false;
      await (await this.#client()).pin.add(cid, { recursive: true, timeout: this.#timeoutMs });
      return true;
    } catch (error) {
      throw unavailable("pin add", error);
    }
  }

  /** True when the CID carries a recursive or direct pin (an indirect one belongs to its parent's pin). */
  async #hasOwnPin(cid: string): Promise<boolean> {
    try {
      const client = await this.#client();
      for await (const entry of client.pin.ls({ paths: [cid], timeout: this.#timeoutMs })) {
        if (entry.type === "recursive" || entry.type === "direct") return true;
      }
      return false;
    } catch (error) {
      if (/not pinned/i.test(messageOf(error))) return false;
      throw error;
    }
  }

  async unpin(cid: string): Promise<void> {
    try {
      await (await this.#client()).pin.rm(cid);
    } catch (error) {
      if (/not pinned|is not pinned/i.test(messageOf(error))) return;
      throw unavailable("pin rm", error);
    }
  }

  async ping(): Promise<void> {
    try {
      // The RPC API takes POST only; `id` answers as soon as the daemon runs.
      const response = await fetch(new URL("/api/v0/id", this.#options.url), { method: "POST", signal: AbortSignal.timeout(this.#timeoutMs) });
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
      await response.body?.cancel();
    } catch (error) {
      throw unavailable("id", error);
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isNotFound(error: unknown): boolean {
  // Kubo answers 500 with "block was not found locally (offline)" or similar.
  return /not found|invalid (path|cid)|could not resolve|no link named/i.test(messageOf(error));
}

function unavailable(call: string, error: unknown): ContentStoreUnavailableError {
  if (error instanceof ContentStoreUnavailableError) return error;
  return new ContentStoreUnavailableError(`IPFS ${call} failed: ${messageOf(error)}`, { cause: error });
}
