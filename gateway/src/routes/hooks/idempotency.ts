/**
 * `Idempotency-Key` on writes: the same key with the same request returns the
 * stored first answer (header `Idempotent-Replayed: true`); the same key with
 * a different request is refused with 422; a key still in flight gets 409.
 * Only successful (2xx) answers are stored; a failed write releases the key.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ConflictError, GatewayError, InvalidArgumentError } from "../../errors.js";
import type { IdempotencyStore } from "../../ports/idempotency.js";
import { canonicalJson } from "../../services/canonical-json.js";

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
export const IDEMPOTENCY_HEADER = "idempotency-key";

declare module "fastify" {
  interface FastifyRequest {
    idempotencyClaim?: { scope: string; key: string };
  }
}

function requestHash(request: FastifyRequest): string {
  return createHash("sha256")
    .update(`${request.method} ${request.url}\n`)
    .update(request.body === undefined ? "" : canonicalJson(request.body))
    .digest("hex");
}

export function installIdempotency(app: FastifyInstance, store: IdempotencyStore): void {
  app.addHook("preHandler", async (request, reply) => {
    if (!WRITE_METHODS.has(request.method) || !request.principal) return;
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined) return;
    if (typeof header !== "string" || !KEY_PATTERN.test(header)) {
      throw new InvalidArgumentError("Idempotency-Key", "must be 1 to 255 printable ASCII characters without spaces");
    }
    const scope = request.principal.keyId;
    const claim = store.claim(scope, header, requestHash(request));
    switch (claim.kind) {
      case "claimed":
        request.idempotencyClaim = { scope, key: header };
        return;
      case "replay":
        return reply
          .code(claim.response.status)
          .header("idempotent-replayed", "true")
          .type(claim.response.contentType)
          .send(claim.response.body);
      case "mismatch":
        throw new GatewayError("IDEMPOTENCY_KEY_REUSED", "Idempotency-Key: already used for a different request", {
          field: "Idempotency-Key",
        });
      case "in-progress":
        throw new ConflictError("Idempotency-Key: a request with this key is still being processed", {
          field: "Idempotency-Key",
        });
    }
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const claim = request.idempotencyClaim;
    if (!claim) return payload;
    request.idempotencyClaim = undefined;
    if (reply.statusCode >= 200 && reply.statusCode < 300 && typeof payload === "string") {
      const contentType = reply.getHeader("content-type");
      store.complete(claim.scope, claim.key, {
        status: reply.statusCode,
        body: payload,
        contentType: typeof contentType === "string" ? contentType : "application/json; charset=utf-8",
      });
    } else {
      store.release(claim.scope, claim.key);
    }
    return payload;
  });

  app.addHook("onRequestAbort", async (request) => {
    const claim = request.idempotencyClaim;
    if (claim) store.release(claim.scope, claim.key);
  });
}
