/**
 * A LedgerClient that runs the real rxtrace contracts on the in-memory Fabric
 * double of the chaincode tests, so the gateway's routes, services and the
 * chaincode's parsers are fuzzed together in process. Chaincode errors cross
 * the seam as their JSON message, exactly as the Fabric adapter reads them
 * (parseChaincodeError); anything else is rethrown untouched so a crash shows
 * up as the 500 it would be.
 */
import { parseChaincodeError } from "@rxtrace/domain";
import type { Principal } from "../../../gateway/src/auth/principal.js";
import { GatewayError } from "../../../gateway/src/errors.js";
import type { EvaluateResult, LedgerCall, LedgerClient, SubmitResult } from "../../../gateway/src/ports/ledger.js";
import type { FakeIdentity, FakeNetwork } from "../../../support/fabric-double.js";

const CHAINCODE_CODES: readonly string[] = ["INVALID_ARGUMENT", "NOT_FOUND", "ALREADY_EXISTS", "FORBIDDEN", "CONFLICT"];

/** The certificate identity the network enrols for an API key's org user. */
export function identityOf(as: Principal): FakeIdentity {
  return { mspId: as.mspId, attrs: as.role === "admin" ? {} : { "rxtrace.role": as.role } };
}

export class ChaincodeLedger implements LedgerClient {
  readonly net: FakeNetwork;
  submits = 0;
  #block = 0;

  constructor(net: FakeNetwork) {
    this.net = net;
  }

  /** Everything a transaction can change on every channel, as one comparable string. */
  snapshot(): string {
    return [...this.net.ledgers.values()].map((ledger) => ledger.snapshot()).join("\n");
  }

  async evaluate(as: Principal, call: LedgerCall): Promise<EvaluateResult> {
    return { result: await this.#run(as, call, false) };
  }

  async submit(as: Principal, call: LedgerCall): Promise<SubmitResult> {
    this.submits += 1;
    const result = await this.#run(as, call, true);
    this.#block += 1;
    return { result, transactionId: `fuzz-tx-${this.#block}`, blockNumber: String(this.#block) };
  }

  async ready(): Promise<void> {}

  close(): void {}

  async #run(as: Principal, call: LedgerCall, commit: boolean): Promise<unknown> {
    let payload: string;
    try {
      payload = await this.net.run(call.channel, identityOf(as), call.transaction, [...(call.args ?? [])], { ...(call.transient ?? {}) }, commit);
    } catch (error) {
      const body = error instanceof Error ? parseChaincodeError(error.message) : undefined;
      if (body && CHAINCODE_CODES.includes(body.code)) {
        throw new GatewayError(body.code, body.message, { field: body.field, cause: error });
      }
      throw error;
    }
    return payload === "" ? undefined : (JSON.parse(payload) as unknown);
  }
}
