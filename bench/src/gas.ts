// Gas benchmark of issue 11: SupplyChain.sol against the naive baseline, both compiled
// by this project's Hardhat config and run side by side on one in-process chain.
// Run: npm run bench:gas   (prints a table, writes bench/results/gas.json)
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import hre, { network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";

const GTIN = 9521234543213n;
const EXPIRY = 991231; // 31 Dec 2099, far from any test clock
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
const [admin, manufacturer, distributor] = await ethers.getSigners();
if (admin === undefined || manufacturer === undefined || distributor === undefined) {
  throw new Error("the bench needs three funded accounts");
}

const baseline = await ethers.deployContract("SeedSupplyChain");
const baselineCreate = await gasOf(baseline.createProduct(1n, PRODUCT_NAME_30));
const baselineTransfer = await gasOf(baseline.transferProduct(1n, distributor.address));

const chain = await ethers.deployContract("SupplyChain", [admin.address]);
await (await chain.grantRole(await chain.MANUFACTURER_ROLE(), manufacturer.address)).wait();
await (await chain.grantRole(await chain.DISTRIBUTOR_ROLE(), distributor.address)).wait();
await (await chain.grantRole(await chain.REGISTRY_ROLE(), admin.address)).wait();
await (await chain.assignGtin(GTIN, manufacturer.address)).wait();
const asManufacturer = chain.connect(manufacturer);
await (await asManufacturer.registerGtin(GTIN, PRODUCT_NAME_30)).wait();
await (await asManufacturer.registerLot(GTIN, "LOT2026A", EXPIRY)).wait();
const lotId = await chain.lotIdOf(GTIN, "LOT2026A");

// Warm-up pack so the measured one pays only what every later pack pays.
await (await asManufacturer.commissionPack(lotId, "SN0000000000")).wait();
const oursRegister = await gasOf(asManufacturer.commissionPack(lotId, "SN8X4K2Q9P"));
const packId = await chain.packIdOf(GTIN, "SN8X4K2Q9P");
const oursShip = await gasOf(asManufacturer.ship(packId, distributor.address));
const oursReceive = await gasOf(chain.connect(distributor).receivePack(packId));
const serials = Array.from({ length: BATCH }, (_, i) => `BATCH${String(i).padStart(6, "0")}`);
const oursBatch = await gasOf(asManufacturer.commissionPacks(lotId, serials));
const perPack = Math.round(oursBatch / BATCH);

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
  {
    operation: `batch commission, per pack (${BATCH} packs)`,
    baseline: null,
    ours: perPack,
    ratio: null,
    target: "<= 30,000 gas per pack",
    met: perPack <= 30_000,
  },
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
  details: { ship: oursShip, receive: oursReceive, batchTotal: oursBatch, batchSize: BATCH },
  rows,
};
await writeFile(path.join(resultsDir, "gas.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(`written ${path.relative(process.cwd(), path.join(resultsDir, "gas.json"))}`);
if (!rows.every((row) => row.met)) process.exitCode = 1;
