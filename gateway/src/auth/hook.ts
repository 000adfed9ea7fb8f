/**
 * Authentication and authorisation for every `/v1` route: the API key comes
 * in `x-api-key` or `Authorization: Bearer`, and the route's `config.action`
 * names what it does. A `/v1` route without an action fails at start-up, so
 * no route is ever open by omission. Paths outside `/v1` named in `keyOnly`
 * (by configuration: /metrics, /docs) need a valid key of any role.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ForbiddenError, UnauthenticatedError } from "../errors.js";
import type { ApiKeyStore } from "./api-keys.js";
import { ACTIONS, isAllowed, type Action } from "./policy.js";
import type { Principal } from "./principal.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The policy action this route performs; required on every /v1 route. */
    action?: Action;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const API_PREFIX = "/v1";

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers["x-api-key"];
  if (typeof header === "string" && header !== "") return header;
  const auth = request.headers.authorization;
  if (typeof auth === "string") {
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    if (match) return match[1];
  }
  return undefined;
}

/** The authenticated caller; only valid inside a /v1 route handler. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthenticatedError("no authenticated principal on this request");
  return request.principal;
}

export interface AuthOptions {
  /** Path prefixes outside /v1 that need a valid API key, whatever its role. */
  readonly keyOnly?: readonly string[];
}

function authenticate(request: FastifyRequest, keys: ApiKeyStore): Principal {
  const key = presentedKey(request);
  if (key === undefined) throw new UnauthenticatedError("missing API key: send it in the x-api-key header");
  const principal = keys.authenticate(key);
  if (!principal) throw new UnauthenticatedError("unknown or revoked API key");
  return principal;
}

export function installAuth(app: FastifyInstance, keys: ApiKeyStore, options: AuthOptions = {}): void {
  const keyOnly = options.keyOnly ?? [];
  app.addHook("onRoute", (route) => {
    if (!route.url.startsWith(API_PREFIX)) return;
    const action = (route.config as { action?: unknown } | undefined)?.action;
    if (typeof action !== "string" || !(ACTIONS as readonly string[]).includes(action)) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no valid config.action`);
    }
  });

  app.addHook("onRequest", async (request) => {
    const url = request.routeOptions.url;
    if (url === undefined) return;
    if (!url.startsWith(API_PREFIX)) {
      if (keyOnly.some((prefix) => url === prefix || url.startsWith(`${prefix}/`))) request.principal = authenticate(request, keys);
      return;
    }
    const principal = authenticate(request, keys);
    const action = request.routeOptions.config.action ?? "read";
    if (!isAllowed(principal, action)) {
      throw new ForbiddenError(`role ${principal.role} of ${principal.mspId} may not perform ${action}`, {
        details: { action, mspId: principal.mspId, role: principal.role },
      });
    }
    request.principal = principal;
  });
}
