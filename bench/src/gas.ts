// Gas benchmark (docs/solidity.md): SupplyChain.sol against the naive baseline, both compiled
// by this project's Hardhat config and run side by side on one in-process chain.
// Run: npm run bench:gas   (prints a table, writes bench/results/gas.json)
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import hre, { network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { EXPIRY, GTIN, supplyChainWithLot } from "./gas-setup.js";

const OTHER_GTIN = 14567815983469n; // withdrawn in the worst-case runs
const PRODUCT_NAME_30 = "Amoxicillin 500mg caps x 20 EU"; // the 30-character name of the baseline figure
const BATCH = 100;

interface Row {
  operation: string;
  baseline: number | null;
  ours: number;
  ratio: number | null;
  target: string;
  met: boolean;
}

async function gasOf(sent: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await sent).wait();
  if (receipt === null) throw new Error("transaction was not mined");
  return Number(receipt.gasUsed);
}

const { ethers, networkName } = await network.create();
const [admin, manufacturer, distributor, bystander, pharmacy] = await ethers.getSigners();
if (admin === undefined || manufacturer === undefined || distributor === undefined || bystander === undefined || pharmacy === undefined) {
  throw new Error("the bench needs five funded accounts");
}

const baseline = await ethers.deployContract("SeedSupplyChain");
const baselineCreate = await gasOf(baseline.createProduct(1n, PRODUCT_NAME_30));
const baselineTransfer = await gasOf(baseline.transferProduct(1n, distributor.address));

const { chain, asManufacturer, lotId, commitment } = await supplyChainWithLot(ethers, admin, manufacturer, distributor, PRODUCT_NAME_30);

// Warm-up pack so the measured one pays only what every later pack pays.
await (await asManufacturer.commissionPack(lotId, await commitment("SN0000000000"))).wait();
const packId = await commitment("SN8X4K2Q9P");
const oursRegister = await gasOf(asManufacturer.commissionPack(lotId, packId));
const oursShip = await gasOf(asManufacturer.ship(packId, distributor.address));
const oursReceive = await gasOf(chain.connect(distributor).receivePack(packId));
const serials = Array.from({ length: BATCH }, (_, i) => `BATCH${String(i).padStart(6, "0")}`);
const oursBatch = await gasOf(asManufacturer.commissionPacks(lotId, await Promise.all(serials.map(commitment))));
const perPack = Math.round(oursBatch / BATCH);

// Worst cases: a pack commissioned before a recall (of another lot), a withdrawal (of another
// GTIN) or a revocation (of another partner) takes the slow path on its next move.
await (await chain.assignGtin(OTHER_GTIN, manufacturer.address)).wait();
await (await asManufacturer.registerGtin(OTHER_GTIN, PRODUCT_NAME_30)).wait();
await (await asManufacturer.registerLot(OTHER_GTIN, await chain.lotKeyOf(OTHER_GTIN, "LOTOTHER"), EXPIRY)).wait();
await (await asManufacturer.registerLot(GTIN, await chain.lotKeyOf(GTIN, "LOTRECALL"), EXPIRY)).wait();
await (await chain.grantRole(await chain.PHARMACY_ROLE(), bystander.address)).wait();
const asDistributor = chain.connect(distributor);
const distributorAddress = distributor.address;
async function shipAndReceive(serial: string): Promise<number> {
  const id = await commitment(serial);
  return (await gasOf(asManufacturer.ship(id, distributorAddress))) + (await gasOf(asDistributor.receivePack(id)));
}
// Each pack is commissioned just before its event, so it measures that event alone.
await (await asManufacturer.commissionPack(lotId, await commitment("OLD1"))).wait();
await (await asManufacturer.recallLot(await chain.lotIdOf(await chain.lotKeyOf(GTIN, "LOTRECALL")))).wait();
const afterRecall = await shipAndReceive("OLD1");
await (await asManufacturer.commissionPack(lotId, await commitment("OLD2"))).wait();
await (await asManufacturer.withdrawGtin(OTHER_GTIN)).wait();
const afterWithdrawal = await shipAndReceive("OLD2");
await (await asManufacturer.commissionPack(lotId, await commitment("OLD3"))).wait();
await (await chain.revokeRole(await chain.PHARMACY_ROLE(), bystander.address)).wait();
const afterRevocation = await shipAndReceive("OLD3");

// The lifecycle past the hot path, measured after it so the figures above stay comparable.
const DESTROYED = 10; // ISupplyChain.PackStatus.Destroyed
await (await chain.grantRole(await chain.PHARMACY_ROLE(), pharmacy.address)).wait();
const asPharmacy = chain.connect(pharmacy);
const dispensedId = await commitment("DISPENSE1");
await (await asManufacturer.commissionPack(lotId, dispensedId)).wait();
await (await asManufacturer.ship(dispensedId, pharmacy.address)).wait();
await (await asPharmacy.receivePack(dispensedId)).wait();
const oursDispense = await gasOf(asPharmacy.dispense(dispensedId));
const oursUndo = await gasOf(asPharmacy.undoDecommission(dispensedId));
const destroyedId = await commitment("DESTROY1");
await (await asManufacturer.commissionPack(lotId, destroyedId)).wait();
const oursDecommission = await gasOf(asManufacturer.decommission(destroyedId, DESTROYED));
// A 100-pack case moved as SSCC aggregation would move it: every contained pack's word read and
// written once, in one transaction each way (shipBatch / receiveBatch): the floor of a case move.
const caseIds = await Promise.all(Array.from({ length: BATCH }, (_, i) => commitment(`CASE${String(i).padStart(6, "0")}`)));
await (await asManufacturer.commissionPacks(lotId, caseIds)).wait();
const caseShip = await gasOf(asManufacturer.shipBatch(caseIds, distributorAddress));
const caseReceive = await gasOf(asDistributor.receiveBatch(caseIds));
const missingId = await commitment("MISSING1");
await (await asManufacturer.commissionPack(lotId, missingId)).wait();
await (await asManufacturer.ship(missingId, distributorAddress)).wait();
const foreignId = await chain.packIdOf(GTIN, "FOREIGN1", "NOSUCHLOT", EXPIRY);
const oursException = await gasOf(asDistributor.recordShipmentException(ethers.id("SHIP-1"), [missingId], [foreignId], ethers.ZeroHash));

const round = (x: number): number => Math.round(x * 1000) / 1000;
const rows: Row[] = [
  {
    operation: "register one pack",
    baseline: baselineCreate,
    ours: oursRegister,
    ratio: round(oursRegister / baselineCreate),
    target: "<= 0.40x createProduct",
    met: oursRegister <= 0.4 * baselineCreate,
  },
  {
    operation: "ship + receive one pack",
    baseline: baselineTransfer,
    ours: oursShip + oursReceive,
    ratio: round((oursShip + oursReceive) / baselineTransfer),
    target: "<= 1.0x transferProduct",
    met: oursShip + oursReceive <= baselineTransfer,
  },
  ...([
    ["after a recall", afterRecall],
    ["after a withdrawal", afterWithdrawal],
    ["after a revocation", afterRevocation],
  ] as const).map(([when, ours]) => ({
    operation: `ship + receive one pack, worst case: ${when}`,
    baseline: baselineTransfer,
    ours,
    ratio: round(ours / baselineTransfer),
    target: "<= 1.0x transferProduct",
    met: ours <= baselineTransfer,
  })),
  {
    operation: `batch commission, per pack (${BATCH} packs)`,
    baseline: null,
    ours: perPack,
    ratio: null,
    target: "<= 30,000 gas per pack",
    met: perPack <= 30_000,
  },
  ...([
    ["dispense one pack", oursDispense],
    ["decommission one pack (Destroyed)", oursDecommission],
    ["undo a dispense", oursUndo],
    [`ship + receive a ${BATCH}-pack case as batches, per pack`, Math.round((caseShip + caseReceive) / BATCH)],
    ["shipment exception, 1 missing + 1 unexpected", oursException],
  ] as const).map(([operation, ours]) => ({ operation, baseline: null, ours, ratio: null, target: "measured", met: true })),
];

console.log(`gas on network "${networkName}" (ship ${oursShip} + receive ${oursReceive}; batch of ${BATCH} ${oursBatch})`);
console.table(rows);

const profile = hre.config.solidity.profiles.default;
function compilerSummary(compiler: { version: string; settings?: unknown } | undefined) {
  const settings = (compiler?.settings ?? {}) as { optimizer?: unknown; evmVersion?: unknown };
  return { solc: compiler?.version, optimizer: settings.optimizer, evmVersion: settings.evmVersion };
}

const resultsDir = path.resolve(import.meta.dirname, "../results");
await mkdir(resultsDir, { recursive: true });
const result = {
  measuredAt: new Date().toISOString(),
  network: networkName,
  hardfork: (hre.config.networks[networkName] as { hardfork?: string } | undefined)?.hardfork,
  compiler: {
    supplyChain: compilerSummary(profile?.compilers[0]),
    baseline: compilerSummary(profile?.overrides["bench/baseline/SeedSupplyChain.sol"]),
  },
  details: {
    ship: oursShip,
    receive: oursReceive,
    batchTotal: oursBatch,
    batchSize: BATCH,
    shipReceiveAfterRecall: afterRecall,
    shipReceiveAfterWithdrawal: afterWithdrawal,
    shipReceiveAfterRevocation: afterRevocation,
    dispense: oursDispense,
    decommission: oursDecommission,
    undoDecommission: oursUndo,
    caseShipBatch: caseShip,
    caseReceiveBatch: caseReceive,
    shipmentException: oursException,
  },
  rows,
};
await writeFile(path.join(resultsDir, "gas.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(`written ${path.relative(process.cwd(), path.join(resultsDir, "gas.json"))}`);
if (!rows.every((row) => row.met)) process.exitCode = 1;
