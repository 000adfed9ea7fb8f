import type { Context } from "fabric-contract-api";
import type { ChaincodeStub } from "fabric-shim";
import { CERT_ROLES, qualifiedTransaction, ROLE_ATTRIBUTE } from "@rxtrace/domain";

/** What one transaction knows about itself: caller, id, time, channel. */
export class Tx {
  readonly stub: ChaincodeStub;
  /** The submitter's MSP id. */
  readonly msp: string;
  readonly txId: string;
  /** Transaction time, ISO-8601 UTC, second precision. */
  readonly at: string;
  /** Transaction time in epoch seconds. */
  readonly seconds: number;
  readonly channel: string;
  readonly #ctx: Context;

  constructor(ctx: Context) {
    this.#ctx = ctx;
    this.stub = ctx.stub;
    this.msp = ctx.clientIdentity.getMSPID();
    this.txId = ctx.stub.getTxID();
    this.seconds = Math.floor(ctx.stub.getDateTimestamp().getTime() / 1000);
    this.at = new Date(this.seconds * 1000).toISOString().replace(".000Z", "Z");
    this.channel = ctx.stub.getChannelID();
  }

  /**
   * The submitter's function: `admin` for an org admin certificate (NodeOUs
   * subject OU=admin, which Fabric classifies as the org's admin), else its
   * `rxtrace.role` attribute, or undefined.
   */
  get role(): string | undefined {
    const subject = this.#ctx.clientIdentity.getID().split("::")[1] ?? "";
    if (/(^|\/)OU=admin(\/|$)/.test(subject)) return CERT_ROLES.ADMIN;
    return this.attribute(ROLE_ATTRIBUTE);
  }

  /** The called transaction as `contract:Transaction`. */
  get transaction(): string {
    return qualifiedTransaction(this.stub.getFunctionAndParameters().fcn);
  }

  /** A certificate attribute of the submitter, or undefined. */
  attribute(name: string): string | undefined {
    return this.#ctx.clientIdentity.getAttributeValue(name) ?? undefined;
  }
}
