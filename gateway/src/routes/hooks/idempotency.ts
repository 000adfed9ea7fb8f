/**
 * `Idempotency-Key` on writes: the same key with the same request returns the
 * stored first answer (header `Idempotent-Replayed: true`); the same key with
 * a different request is refused with 422; a key still in flight gets 409.
 * Only successful (2xx) answers are stored; a failed write releases the key.
 * The store unreachable (replicas' PostgreSQL down): a request with a key is
 * refused with 503 before it writes; a write done whose answer cannot be
 * stored is still answered, and its key stays claimed until the store's
 * pending lease runs out.
 * A route whose body is a stream (a document upload) sets
 * `config.idempotency: "deferred"` and claims the key itself with
 * `request.claimIdempotency(fingerprint)` once it has read the body.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ConflictError, GatewayError, InvalidArgumentError, UnavailableError } from "../../errors.js";
import type { IdempotencyStore, StoredResponse } from "../../ports/idempotency.js";
import { canonicalJson } from "../../services/canonical-json.js";

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
export const IDEMPOTENCY_HEADER = "idempotency-key";

declare module "fastify" {
  interface FastifyContextConfig {
    /** "deferred": the route claims the Idempotency-Key itself once its streamed body is read. */
    idempotency?: "deferred";
  }
  interface FastifyRequest {
    idempotencyClaim?: { scope: string; key: string };
    /**
     * On a "deferred" route: claims the request's Idempotency-Key (if any) for
     * the request whose body is summed up by `body`.
     * @throws IdempotentReplay when the first request's stored answer is to be sent instead
     */
    claimIdempotency?: (body: unknown) => Promise<void>;
  }
}

/** The stored first answer of a deferred route's request, to be sent as is (see `sendReplay`). */
export class IdempotentReplay extends Error {
  override readonly name = "IdempotentReplay";
  constructor(readonly response: StoredResponse) {
    super("replay of the stored answer");
  }
}

function requestHash(request: FastifyRequest, body: unknown): string {
  return createHash("sha256")
    .update(`${request.method} ${request.url}\n`)
    .update(body === undefined ? "" : canonicalJson(body))
    .digest("hex");
}

export function sendReplay(reply: FastifyReply, response: StoredResponse): FastifyReply {
  return reply.code(response.status).header("idempotent-replayed", "true").type(response.contentType).send(response.body);
}

export function installIdempotency(app: FastifyInstance, store: IdempotencyStore): void {
  /** Claims the key for the request; answers the stored response to replay, or throws the refusal. */
  const claimFor = async (request: FastifyRequest, body: unknown): Promise<StoredResponse | undefined> => {
    if (!WRITE_METHODS.has(request.method) || !request.principal) return undefined;
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined) return undefined;
    if (typeof header !== "string" || !KEY_PATTERN.test(header)) {
      throw new InvalidArgumentError("Idempotency-Key", "must be 1 to 255 printable ASCII characters without spaces");
    }
    const scope = request.principal.keyId;
    let claim;
    try {
      claim = await store.claim(scope, header, requestHash(request, body));
    } catch (error) {
      request.log.error({ err: error }, "Idempotency-Key: the store did not answer");
      throw new UnavailableError("idempotency store", "Idempotency-Key cannot be checked now; retry later", { field: "Idempotency-Key" });
    }
    switch (claim.kind) {
      case "claimed":
        request.idempotencyClaim = { scope, key: header };
        return undefined;
      case "replay":
        return claim.response;
      case "mismatch":
        throw new GatewayError("IDEMPOTENCY_KEY_REUSED", "Idempotency-Key: already used for a different request", {
          field: "Idempotency-Key",
        });
      case "in-progress":
        throw new ConflictError("Idempotency-Key: a request with this key is still being processed", {
          field: "Idempotency-Key",
        });
    }
  };

  app.addHook("preHandler", async (request, reply) => {
    if (request.routeOptions.config.idempotency === "deferred") {
      request.claimIdempotency = async (body) => {
        const replay = await claimFor(request, body);
        if (replay !== undefined) throw new IdempotentReplay(replay);
      };
      return;
    }
    const replay = await claimFor(request, request.body);
    if (replay !== undefined) return sendReplay(reply, replay);
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const claim = request.idempotencyClaim;
    if (!claim) return payload;
    request.idempotencyClaim = undefined;
    try {
      if (reply.statusCode >= 200 && reply.statusCode < 300 && typeof payload === "string") {
        const contentType = reply.getHeader("content-type");
        await store.complete(claim.scope, claim.key, {
          status: reply.statusCode,
          body: payload,
          contentType: typeof contentType === "string" ? contentType : "application/json; charset=utf-8",
        });
      } else {
        await store.release(claim.scope, claim.key);
      }
    } catch (error) {
      // The write is done (or failed) either way: answer it; the claim's lease frees the key later.
      request.log.error({ err: error, idempotencyKey: claim.key }, "Idempotency-Key: the answer could not be stored");
    }
    return payload;
  });

  app.addHook("onRequestAbort", async (request) => {
    const claim = request.idempotencyClaim;
    if (claim) await store.release(claim.scope, claim.key).catch((error: unknown) => request.log.error({ err: error }, "Idempotency-Key: release failed"));
  });
}
