import { Context, Contract, Info, Returns, Transaction } from "fabric-contract-api";
import {
  alreadyExists,
  EVENTS,
  forbidden,
  invalidArgument,
  notFound,
  ORG_ROLES,
  parseJsonObject,
  parsePartnerInput,
  REGULATOR_MSP,
  requireMspId,
  type Partner,
} from "@rxtrace/domain";
import { begin } from "../ledger/begin";
import { KEY_TYPES, result } from "../ledger/state";

/** The channel's registry of trading partners, kept by the regulator. */
@Info({ title: "partners", description: "Trading partners of the channel and their roles" })
export class PartnersContract extends Contract {
  constructor() {
    super("partners");
  }

  /** Registers an org; only the regulator, which first registers itself. */
  @Transaction()
  @Returns("string")
  async RegisterPartner(ctx: Context, partnerJson: string): Promise<string> {
    const input = parsePartnerInput(parseJsonObject("partner", partnerJson));
    const { tx, state } = begin(ctx);
    if (tx.msp !== REGULATOR_MSP) throw forbidden(`only ${REGULATOR_MSP} registers partners; caller is ${tx.msp}`);
    if (input.mspId === REGULATOR_MSP && input.role !== ORG_ROLES.REGULATOR) {
      throw invalidArgument("role", `${REGULATOR_MSP} must have role Regulator`);
    }
    if (input.mspId !== REGULATOR_MSP && !(await state.exists(KEY_TYPES.PARTNER, [REGULATOR_MSP]))) {
      throw forbidden(`${REGULATOR_MSP} must register itself first`);
    }
    if (await state.exists(KEY_TYPES.PARTNER, [input.mspId])) throw alreadyExists(`partner ${input.mspId}`, "mspId");
    const partner: Partner = { ...input, registeredAt: tx.at, registeredBy: tx.msp };
    // The record states the org's role: neither the regulator nor the org changes it alone.
    await state.put(KEY_TYPES.PARTNER, [partner.mspId], partner, [REGULATOR_MSP, partner.mspId]);
    state.emit(EVENTS.PARTNER_REGISTERED, { partner });
    return result(partner);
  }

  @Transaction(false)
  @Returns("string")
  async GetPartner(ctx: Context, mspId: string): Promise<string> {
    requireMspId("mspId", mspId);
    const { state } = begin(ctx);
    const partner = await state.get<Partner>(KEY_TYPES.PARTNER, [mspId]);
    if (!partner) throw notFound(`partner ${mspId}`, "mspId");
    return result(partner);
  }

  @Transaction(false)
  @Returns("string")
  async ListPartners(ctx: Context): Promise<string> {
    const { state } = begin(ctx);
    return result(await state.list<Partner>(KEY_TYPES.PARTNER, []));
  }
}
