/**
 * The gateway's typed errors. Each carries a stable code that maps to one HTTP
 * status, an optional field it is about, and (for ledger failures) the
 * transaction id, so clients never parse prose. The JSON body of every error
 * answer is `{ code, message, field?, transactionId?, details? }`.
 */

export const ERROR_STATUS = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  ENDORSEMENT_FAILED: 502,
  COMMIT_FAILED: 502,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface GatewayErrorOptions {
  field?: string | undefined;
  transactionId?: string | undefined;
  details?: unknown;
  cause?: unknown;
  /** Seconds a client should wait before trying again (sent as Retry-After). */
  retryAfterSeconds?: number | undefined;
}

/** Base of every error the gateway answers with on purpose. */
export class GatewayError extends Error {
  override readonly name: string = "GatewayError";
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly transactionId: string | undefined;
  readonly details: unknown;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.field = options.field;
    this.transactionId = options.transactionId;
    this.details = options.details;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  /** The JSON body sent to the client. */
  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.field !== undefined) body.field = this.field;
    if (this.transactionId !== undefined) body.transactionId = this.transactionId;
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  field?: string;
  transactionId?: string;
  details?: unknown;
}

/** A request value breaks a rule; the message names the field and the rule. */
export class InvalidArgumentError extends GatewayError {
  override readonly name: string = "InvalidArgumentError";
  constructor(field: string, rule: string, options: Omit<GatewayErrorOptions, "field"> = {}) {
    super("INVALID_ARGUMENT", `${field}: ${rule}`, { ...options, field });
  }
}

export class UnauthenticatedError extends GatewayError {
  override readonly name: string = "UnauthenticatedError";
  constructor(message: string) {
    super("UNAUTHENTICATED", message);
  }
}

export class ForbiddenError extends GatewayError {
  override readonly name: string = "ForbiddenError";
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super("FORBIDDEN", message, options);
  }
}

export class NotFoundError extends GatewayError {
  override readonly name: string = "NotFoundError";
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super("NOT_FOUND", message, options);
  }
}

export class ConflictError extends GatewayError {
  override readonly name: string = "ConflictError";
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super("CONFLICT", message, options);
  }
}

/** A dependency (Fabric, Kubo, the EVM node) cannot be reached; names which. */
export class UnavailableError extends GatewayError {
  override readonly name: string = "UnavailableError";
  readonly dependency: string;
  constructor(dependency: string, message: string, options: GatewayErrorOptions = {}) {
    super("UNAVAILABLE", `${dependency} unavailable: ${message}`, { ...options, details: { dependency, ...(options.details as object | undefined) } });
    this.dependency = dependency;
  }
}

/**
 * A record not found on the caller's peer while that peer is behind a block
 * the channel has already committed: "not yet here", not "does not exist".
 * Reads across channels count it as absent; alone it is a 503 with Retry-After.
 */
export class NotYetVisibleError extends UnavailableError {
  override readonly name: string = "NotYetVisibleError";
  constructor(channel: string, peerHeight: bigint, committed: bigint, cause: GatewayError) {
    super(
      "fabric",
      `${cause.message}; the caller's peer has ${peerHeight.toString()} blocks of ${channel} while block ${committed.toString()} is committed: try again`,
      { retryAfterSeconds: 1, cause, details: { channel, peerHeight: peerHeight.toString(), committedBlock: committed.toString() } },
    );
  }
}

/** Peers refused to endorse, or the orderer refused the transaction. */
export class EndorsementError extends GatewayError {
  override readonly name: string = "EndorsementError";
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super("ENDORSEMENT_FAILED", message, options);
  }
}

/** The transaction was ordered but committed invalid (e.g. a policy failure). */
export class CommitError extends GatewayError {
  override readonly name: string = "CommitError";
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super("COMMIT_FAILED", message, options);
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}
