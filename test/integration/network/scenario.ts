/** Steps shared by the integration tests, each one real transaction (or two) on the network. */
import { expect } from "chai";
import { evaluateJson, eventually, submitJson, type OrgSession } from "../../../support/fabric-client.js";
import { futureExpiry, gtinFor, productJson } from "../../../support/fixtures.js";

export interface PackRef {
  readonly gtin: string;
  readonly serial: string;
}

export interface Lot {
  readonly gtin: string;
  readonly lot: string;
  readonly expiry: string;
  readonly packs: readonly PackRef[];
}

/** The manufacturer registers a fresh product on mfr-dist and commissions `count` packs of one lot. */
export async function commissionLot(manufacturer: OrgSession, seed: string, count: number): Promise<Lot> {
  const gtin = gtinFor(seed);
  const lot = `L${seed}`.slice(0, 20);
  const expiry = futureExpiry();
  const serials = Array.from({ length: count }, (_, i) => `${i}${seed}`.slice(0, 20));
  const contract = manufacturer.contract("mfr-dist");
  await contract.submitTransaction("products:RegisterProduct", productJson(gtin));
  await submitJson(contract, "packs:CommissionLot", { arguments: [JSON.stringify({ gtin, lot, expiry, serials })] });
  return { gtin, lot, expiry, packs: serials.map((serial) => ({ gtin, serial })) };
}

/** Ships packs and has the consignee receive them; resolves once the consignee's peer shows them received. */
export async function shipAndReceive(from: OrgSession, to: OrgSession, channel: string, shipmentId: string, packs: readonly PackRef[]): Promise<void> {
  await submitJson(from.contract(channel), "shipments:Ship", {
    arguments: [JSON.stringify({ shipmentId, consignee: to.org.mspId, packs })],
  });
  await eventually(async () => expect(await packOf(to, channel, packs[0] as PackRef)).to.include({ status: "IN_TRANSIT" }));
  await submitJson(to.contract(channel), "shipments:Receive", { arguments: [JSON.stringify({ shipmentId, packs })] });
}

/** The distributor hands packs off from mfr-dist and imports them on dist-pharm. */
export async function handOffAndImport(distributor: OrgSession, packs: readonly PackRef[]): Promise<void> {
  await submitJson(distributor.contract("mfr-dist"), "crosschannel:HandOff", {
    arguments: [JSON.stringify({ packs, toChannel: "dist-pharm" })],
  });
  // The import reads mfr-dist on each endorsing peer: the distributor's and the regulator's are on both
  // channels. The regulator's peer may not have the hand-off's block yet: endorsement fails then, and
  // nothing was written, so the import is asked again.
  await eventually(
    () =>
      submitJson(distributor.contract("dist-pharm"), "crosschannel:ImportPacks", {
        arguments: [JSON.stringify({ packs, fromChannel: "mfr-dist" })],
        endorsingOrganizations: ["DistributorMSP", "RegulatorMSP"],
      }),
    20_000,
  );
}

export interface PackView {
  readonly status: string;
  readonly owner: string;
  readonly marks: readonly string[];
}

export async function packOf(who: OrgSession, channel: string, ref: PackRef): Promise<PackView> {
  return (await evaluateJson(who.contract(channel), "packs:GetPack", ref.gtin, ref.serial)) as PackView;
}
