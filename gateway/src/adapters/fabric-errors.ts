/**
 * Maps what fabric-gateway throws to the gateway's typed errors: the
 * chaincode's own error codes to 400/403/404/409, an unreachable peer or
 * orderer to 503, failed endorsement or commit to 502, a missed deadline to
 * 504, each with the transaction id when one exists.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import { CommitStatusError, EndorseError, GatewayError as FabricGatewayError } from "@hyperledger/fabric-gateway";
import { parseChaincodeError } from "@rxtrace/domain";
import {
  EndorsementError,
  GatewayError,
  UnavailableError,
  type ErrorCode,
} from "../errors.js";

const UNREACHABLE = /could not launch chaincode|connect: connection refused|failed to find any endorsing peers|no endorsing peers|peer .* is not available/i;

const CHANNEL_CLOSED = /channel has been shut down/i;

const CHAINCODE_CODES: Readonly<Record<string, ErrorCode>> = {
  INVALID_ARGUMENT: "INVALID_ARGUMENT",
  NOT_FOUND: "NOT_FOUND",
  ALREADY_EXISTS: "ALREADY_EXISTS",
  FORBIDDEN: "FORBIDDEN",
  CONFLICT: "CONFLICT",
};

/** fabric-gateway exports SubmitError as a type only; its instances carry the class name. */
function isSubmitError(err: FabricGatewayError): err is FabricGatewayError & { transactionId: string } {
  return err.name === "SubmitError" && typeof (err as { transactionId?: unknown }).transactionId === "string";
}

function messagesOf(err: FabricGatewayError): string[] {
  return [err.message, ...err.details.map((d) => d.message)];
}

function describe(err: FabricGatewayError): string {
  const details = err.details.map((d) => `${d.mspId}@${d.address}: ${d.message}`);
  return details.length > 0 ? `${err.message} (${details.join("; ")})` : err.message;
}

function transactionIdOf(err: FabricGatewayError): string | undefined {
  if (err instanceof EndorseError || err instanceof CommitStatusError || isSubmitError(err)) return err.transactionId;
  return undefined;
}

/** The chaincode error carried by a Fabric error, as a gateway error, if there is one. */
export function chaincodeErrorOf(err: FabricGatewayError, transactionId?: string): GatewayError | undefined {
  for (const text of messagesOf(err)) {
    const body = parseChaincodeError(text);
    if (!body) continue;
    const code = CHAINCODE_CODES[body.code];
    if (code) return new GatewayError(code, body.message, { field: body.field, transactionId, cause: err });
  }
  return undefined;
}

/**
 * @param err what fabric-gateway threw
 * @param peer the peer the call went to, named in 503 answers
 */
export function toGatewayError(err: unknown, peer: string): GatewayError {
  if (err instanceof GatewayError) return err;
  if (!(err instanceof FabricGatewayError)) {
    const message = err instanceof Error ? err.message : String(err);
    // grpc-js throws this for a call on a connection closed under it (network.json reloaded, peer gone): retryable.
    if (CHANNEL_CLOSED.test(message)) return new UnavailableError("fabric", `${peer} connection closed: ${message}`, { cause: err });
    return new GatewayError("INTERNAL", `ledger call failed: ${message}`, { cause: err });
  }
  const transactionId = transactionIdOf(err);
  const fromChaincode = chaincodeErrorOf(err, transactionId);
  if (fromChaincode) return fromChaincode;

  if (err.code === Number(GrpcStatus.UNAVAILABLE)) {
    const what = isSubmitError(err) ? "orderer" : peer;
    return new UnavailableError("fabric", `${what} unreachable: ${describe(err)}`, { transactionId, cause: err });
  }
  if (err.code === Number(GrpcStatus.DEADLINE_EXCEEDED)) {
    const stage = err instanceof CommitStatusError ? "commit status" : isSubmitError(err) ? "ordering" : "endorsement";
    return new GatewayError("DEADLINE_EXCEEDED", `fabric ${stage} did not answer in time`, { transactionId, cause: err });
  }
  // A peer that cannot reach its chaincode server, or no peer of a needed org: a dependency is down, not a bad request.
  if (err.details.some((d) => UNREACHABLE.test(d.message)) || UNREACHABLE.test(err.message)) {
    return new UnavailableError("fabric", `endorsement impossible: ${describe(err)}`, { transactionId, cause: err });
  }
  if (isSubmitError(err)) {
    return new UnavailableError("fabric", `ordering failed: ${describe(err)}`, { transactionId, cause: err });
  }
  if (err instanceof CommitStatusError) {
    return new UnavailableError("fabric", `commit status unknown: ${describe(err)}`, { transactionId, cause: err });
  }
  return new EndorsementError(`endorsement failed: ${describe(err)}`, { transactionId, cause: err });
}
