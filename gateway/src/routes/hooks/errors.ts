/**
 * One error handler for the whole app: typed gateway errors keep their code;
 * schema failures become 400 naming the field and the rule; body-size and
 * media-type failures become 413/415; anything unexpected is a logged 500
 * without internals in the answer.
 */
import type { FastifyError, FastifyInstance } from "fastify";
import { GatewayError, InvalidArgumentError, type ErrorCode } from "../../errors.js";

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function fieldOf(issue: ValidationIssue, context: string | undefined): string {
  const path = (issue.instancePath ?? "").replace(/^\//, "").replaceAll("/", ".");
  const missing = issue.params?.missingProperty;
  const extra = issue.params?.additionalProperty;
  const leaf = typeof missing === "string" ? missing : typeof extra === "string" ? extra : undefined;
  const parts = [path, leaf].filter((p): p is string => p !== undefined && p !== "");
  if (parts.length > 0) return parts.join(".");
  return context === "body" || context === undefined ? "body" : context;
}

function ruleOf(issue: ValidationIssue): string {
  if (issue.keyword === "additionalProperties") return "is not an accepted property";
  if (issue.keyword === "required") return "is required";
  return issue.message ?? "is invalid";
}

/** Turns whatever was thrown into the GatewayError that is answered. */
export function toGatewayError(error: unknown): GatewayError | undefined {
  if (error instanceof GatewayError) return error;
  const err = error as Partial<FastifyError> & { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(err.validation) && err.validation.length > 0) {
    const issue = err.validation[0] as ValidationIssue;
    return new InvalidArgumentError(fieldOf(issue, err.validationContext), ruleOf(issue));
  }
  const byFastifyCode: Record<string, [ErrorCode, string, string]> = {
    FST_ERR_CTP_BODY_TOO_LARGE: ["PAYLOAD_TOO_LARGE", "body", "exceeds the size limit"],
    FST_ERR_CTP_INVALID_MEDIA_TYPE: ["UNSUPPORTED_MEDIA_TYPE", "content-type", "is not supported by this route"],
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: ["INVALID_ARGUMENT", "content-length", "does not match the body"],
    FST_ERR_CTP_EMPTY_JSON_BODY: ["INVALID_ARGUMENT", "body", "must not be empty when content-type is application/json"],
    FST_ERR_CTP_INVALID_JSON_BODY: ["INVALID_ARGUMENT", "body", "is not valid JSON"],
  };
  const mapped = err.code ? byFastifyCode[err.code] : undefined;
  if (mapped) return new GatewayError(mapped[0], `${mapped[1]}: ${mapped[2]}`, { field: mapped[1] });
  if (typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500) {
    return new GatewayError(err.statusCode === 404 ? "NOT_FOUND" : "INVALID_ARGUMENT", err.message ?? "bad request");
  }
  return undefined;
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(async (error, request, reply) => {
    const known = toGatewayError(error);
    if (known) {
      if (known.status >= 500) request.log.warn({ err: error }, "dependency failure");
      if (known.retryAfterSeconds !== undefined) void reply.header("retry-after", String(known.retryAfterSeconds));
      return reply.code(known.status).type("application/json; charset=utf-8").send(known.toBody());
    }
    request.log.error({ err: error }, "unexpected error");
    return reply.code(500).send({ code: "INTERNAL", message: "internal error; see the gateway log" });
  });

  app.setNotFoundHandler(async (request, reply) => {
    return reply
      .code(404)
      .send({ code: "NOT_FOUND", message: `no route ${request.method} ${request.url.split("?")[0] ?? ""}` });
  });
}
