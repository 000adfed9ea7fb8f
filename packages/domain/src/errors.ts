/** Stable error codes shared by chaincode, gateway and HTTP mapping. */
export const ERROR_CODES = {
  INVALID_ARGUMENT: "INVALID_ARGUMENT",
  NOT_FOUND: "NOT_FOUND",
  ALREADY_EXISTS: "ALREADY_EXISTS",
  FORBIDDEN: "FORBIDDEN",
  CONFLICT: "CONFLICT",
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export interface ChaincodeErrorBody {
  code: ErrorCode;
  field?: string;
  message: string;
}

/**
 * An error whose message is the compact JSON body, so that it survives Fabric's
 * transport (only the message string reaches the client).
 */
export class ChaincodeError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly detail: string;

  constructor(code: ErrorCode, detail: string, field?: string) {
    const body: ChaincodeErrorBody = field === undefined ? { code, message: detail } : { code, field, message: detail };
    super(JSON.stringify(body));
    this.name = "ChaincodeError";
    this.code = code;
    this.field = field;
    this.detail = detail;
  }
}

/** Bad input: names the field and the rule it broke. */
export function invalidArgument(field: string, rule: string): ChaincodeError {
  return new ChaincodeError(ERROR_CODES.INVALID_ARGUMENT, `${field}: ${rule}`, field);
}

export function notFound(what: string, field?: string): ChaincodeError {
  return new ChaincodeError(ERROR_CODES.NOT_FOUND, `${what} not found`, field);
}

export function alreadyExists(what: string, field?: string): ChaincodeError {
  return new ChaincodeError(ERROR_CODES.ALREADY_EXISTS, `${what} already exists`, field);
}

export function forbidden(detail: string): ChaincodeError {
  return new ChaincodeError(ERROR_CODES.FORBIDDEN, detail);
}

export function conflict(detail: string, field?: string): ChaincodeError {
  return new ChaincodeError(ERROR_CODES.CONFLICT, detail, field);
}

const CODES = new Set<string>(Object.values(ERROR_CODES));

function asBody(value: unknown): ChaincodeErrorBody | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const { code, field, message } = record;
  if (typeof code !== "string" || !CODES.has(code) || typeof message !== "string") return undefined;
  if (field !== undefined && typeof field !== "string") return undefined;
  return field === undefined ? { code: code as ErrorCode, message } : { code: code as ErrorCode, field, message };
}

/**
 * Finds the chaincode error body in a message that Fabric may have wrapped
 * (e.g. `chaincode response 500, {"code":...}` or a gRPC status detail).
 * Returns undefined when the text carries no rxtrace error.
 */
export function parseChaincodeError(text: string): ChaincodeErrorBody | undefined {
  // The body may also arrive JSON-escaped inside another JSON document (gRPC details).
  return findBody(text) ?? (text.includes('\\"') ? findBody(text.replace(/\\"/g, '"')) : undefined);
}

function findBody(text: string): ChaincodeErrorBody | undefined {
  for (let start = text.indexOf("{"); start !== -1; start = text.indexOf("{", start + 1)) {
    // Try each closing brace from the right so nested or trailing text is tolerated.
    for (let end = text.lastIndexOf("}"); end > start; end = text.lastIndexOf("}", end - 1)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text.slice(start, end + 1));
      } catch {
        continue;
      }
      const body = asBody(parsed);
      if (body) return body;
    }
  }
  return undefined;
}
