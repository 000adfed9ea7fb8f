/**
 * The same calls the gateway makes, sent straight through
 * @hyperledger/fabric-gateway (no REST layer), to measure what REST costs and
 * to drive the reference `noop` chaincode. Connections come from the
 * integration tests' helper, so both read network.json the same way.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import { StatusCode, type Contract } from "@hyperledger/fabric-gateway";
import { FabricSessions, chaincodeErrorCode } from "../../support/fabric-client.js";

const utf8 = new TextDecoder();
const STATUS_NAMES = new Map<number, string>(Object.entries(StatusCode).map(([name, code]) => [code as number, name]));
const GRPC_NAMES = new Map<number, string>(
  Object.entries(GrpcStatus)
    .filter(([, code]) => typeof code === "number")
    .map(([name, code]) => [code as number, name]),
);

/** The chaincode's error code, else the SDK error class with its gRPC status (SubmitError/UNAVAILABLE). */
function reasonOf(error: unknown): string {
  const code = chaincodeErrorCode(error);
  if (code) return code;
  const e = error as { name?: string; code?: unknown };
  const grpc = typeof e.code === "number" ? GRPC_NAMES.get(e.code) : undefined;
  return grpc ? `${e.name ?? "Error"}/${grpc}` : (e.name ?? "Error");
}

/**
 * A failed direct call; `reason` is the commit status (MVCC_READ_CONFLICT, ...)
 * or the chaincode's error code; `atCommit` tells a transaction invalidated at
 * commit from one refused before ordering (endorsement, submit).
 */
export class DirectCallError extends Error {
  override readonly name = "DirectCallError";
  constructor(
    readonly reason: string,
    message: string,
    readonly atCommit = false,
  ) {
    super(message);
  }
}

/**
 * Whether a call was refused at endorsement (the chaincode did not find the
 * shipment or key), so it was never sent to the orderers. A submit error is
 * not such a refusal: under load Fabric's gateway reports UNAVAILABLE when
 * some BFT orderers answer "request already processed", and the transaction
 * may still commit, so sending it again would conflict with itself.
 */
export function refusedAtEndorsement(error: unknown): boolean {
  return error instanceof DirectCallError && !error.atCommit && (error.reason === "NOT_FOUND" || error.reason.startsWith("EndorseError"));
}

export interface SubmitCall {
  readonly args: readonly string[];
  readonly endorsingOrganizations?: readonly string[];
}

/** Endorses, submits and waits for the commit; answers the result as text. A transaction that commits invalid throws with its status code. */
export async function submitDirect(contract: Contract, name: string, call: SubmitCall): Promise<string> {
  let commit;
  try {
    commit = await contract.submitAsync(name, {
      arguments: [...call.args],
      ...(call.endorsingOrganizations ? { endorsingOrganizations: [...call.endorsingOrganizations] } : {}),
    });
  } catch (error) {
    throw new DirectCallError(reasonOf(error), (error as Error).message);
  }
  const status = await commit.getStatus();
  if (status.code !== StatusCode.VALID) {
    const reason = STATUS_NAMES.get(status.code) ?? `STATUS_${status.code}`;
    throw new DirectCallError(reason, `${name} ${status.transactionId} committed ${reason}`, true);
  }
  return utf8.decode(commit.getResult());
}

/** Evaluates a query; answers the result as text. */
export async function evaluateDirect(contract: Contract, name: string, ...args: string[]): Promise<string> {
  try {
    return utf8.decode(await contract.evaluateTransaction(name, ...args));
  } catch (error) {
    throw new DirectCallError(reasonOf(error), (error as Error).message);
  }
}

export { FabricSessions };
