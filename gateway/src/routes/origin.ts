/** The address a caller reached this gateway on. */
import type { FastifyRequest } from "fastify";

/** Origin the caller reached this gateway on, so links handed to it (a label's Digital Link, a resolver's redirect) lead back here. */
export function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}
