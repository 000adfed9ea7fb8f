/**
 * The chaincode on the in-memory Fabric double, with the partners of both
 * channels registered: shared by the chaincode unit tests and the benchmark
 * that measures the chaincode alone.
 */
import { CATALOG } from "@rxtrace/domain";
import { DOWNSTREAM_CHANNEL, SOURCE_CHANNEL } from "../chaincode/src/index.js";
import { Client, FakeNetwork } from "./fabric-double.js";

export const MFR = "ManufacturerMSP";
export const DIST = "DistributorMSP";
export const PHARM = "PharmacyMSP";
export const REG = "RegulatorMSP";
export const SOURCE = SOURCE_CHANNEL;
export const DOWNSTREAM = DOWNSTREAM_CHANNEL;

/** GTINs with valid GS1 check digits. */
export const GTIN = "09521234543213";
export const GTIN2 = "00350090123456";
export const LOT = "LOT2026A";
export const EXPIRY = "281200";

/** A refrigerated product: labelled 2-8 °C, absolute 0-25 °C, 60 minutes budget. */
export function productInput(gtin = GTIN): Record<string, unknown> {
  return {
    gtin,
    name: "Insulin glargine 100 U/ml",
    strength: "100 U/ml",
    form: "solution for injection",
    nationalCode: "PZN-01234567",
    storage: { minCentiCelsius: 200, maxCentiCelsius: 800 },
    limits: { minCentiCelsius: 0, maxCentiCelsius: 2500 },
    stabilityBudgetMinutes: 60,
  };
}

export function serials(count: number, prefix = "SN"): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(6, "0")}`);
}

export interface World {
  net: FakeNetwork;
  regulator: Client;
  manufacturer: Client;
  quality: Client;
  distributor: Client;
  pharmacy: Client;
  /** Regulator and distributor on the downstream channel. */
  regulatorDown: Client;
  distributorDown: Client;
  /** The regulator's admin (an admin certificate, OU=admin): registers partners. */
  regulatorAdmin: Client;
  regulatorAdminDown: Client;
}

/** Two channels with their partners registered by the regulator; no products yet. */
export async function partnersWorld(): Promise<World> {
  const net = new FakeNetwork({ [SOURCE]: { tradingPartners: [MFR, DIST] }, [DOWNSTREAM]: { tradingPartners: [DIST, PHARM] } });
  const world: World = {
    net,
    regulator: new Client(net, SOURCE, REG, { "rxtrace.role": "auditor" }),
    manufacturer: new Client(net, SOURCE, MFR, { "rxtrace.role": "operator" }),
    quality: new Client(net, SOURCE, MFR, { "rxtrace.role": "quality" }),
    distributor: new Client(net, SOURCE, DIST, { "rxtrace.role": "operator" }),
    pharmacy: new Client(net, DOWNSTREAM, PHARM, { "rxtrace.role": "pharmacist" }),
    regulatorDown: new Client(net, DOWNSTREAM, REG, { "rxtrace.role": "auditor" }),
    distributorDown: new Client(net, DOWNSTREAM, DIST, { "rxtrace.role": "operator" }),
    regulatorAdmin: new Client(net, SOURCE, REG, {}, "admin"),
    regulatorAdminDown: new Client(net, DOWNSTREAM, REG, {}, "admin"),
  };
  const register = async (regulator: Client, mspId: string, role: string): Promise<void> => {
    await regulator.submit(CATALOG.partners.RegisterPartner.qualified, { mspId, name: mspId.replace("MSP", " Ltd"), role });
  };
  await register(world.regulatorAdmin, REG, "Regulator");
  await register(world.regulatorAdmin, MFR, "Manufacturer");
  await register(world.regulatorAdmin, DIST, "Distributor");
  await register(world.regulatorAdminDown, REG, "Regulator");
  await register(world.regulatorAdminDown, DIST, "Distributor");
  await register(world.regulatorAdminDown, PHARM, "Pharmacy");
  return world;
}

/** Partners plus one registered product and a commissioned lot of `count` packs. */
export async function lotWorld(count = 3): Promise<World> {
  const world = await partnersWorld();
  await world.manufacturer.submit(CATALOG.products.RegisterProduct.qualified, productInput());
  await world.manufacturer.submit(CATALOG.packs.CommissionLot.qualified, { gtin: GTIN, lot: LOT, expiry: EXPIRY, serials: serials(count) });
  return world;
}

export function refs(list: string[], gtin = GTIN): { gtin: string; serial: string }[] {
  return list.map((serial) => ({ gtin, serial }));
}

/** Ships the given packs from the manufacturer and has the distributor receive them on mfr-dist. */
export async function deliverToDistributor(world: World, shipmentId: string, list: string[]): Promise<void> {
  await world.manufacturer.submit(CATALOG.shipments.Ship.qualified, { shipmentId, consignee: DIST, packs: refs(list) });
  await world.distributor.submit(CATALOG.shipments.Receive.qualified, { shipmentId, packs: refs(list) });
}

/** Moves packs all the way into the pharmacy on dist-pharm. */
export async function deliverToPharmacy(world: World, list: string[], tag = "A"): Promise<void> {
  await deliverToDistributor(world, `SHIP-MD-${tag}`, list);
  await world.distributor.submit(CATALOG.crosschannel.HandOff.qualified, { packs: refs(list), toChannel: DOWNSTREAM });
  await world.distributorDown.submit(CATALOG.crosschannel.ImportPacks.qualified, { packs: refs(list), fromChannel: SOURCE });
  await world.distributorDown.submit(CATALOG.shipments.Ship.qualified, { shipmentId: `SHIP-DP-${tag}`, consignee: PHARM, packs: refs(list) });
  await world.pharmacy.submit(CATALOG.shipments.Receive.qualified, { shipmentId: `SHIP-DP-${tag}`, packs: refs(list) });
}
