// Where the gas of ship and receive goes, opcode by opcode (docs/solidity.md, Gas): each
// transaction is traced (debug_traceTransaction on the in-process chain) and its top-level
// steps are summed by opcode, in the best case and after a recall of another lot.
// Run: npx hardhat run bench/src/gas-breakdown.ts
import { network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { EXPIRY, GTIN, supplyChainWithLot } from "./gas-setup.js";

const INTRINSIC = 21_000;

interface Trace {
  structLogs: { op: string; gasCost: number; depth: number }[];
}

const { ethers, provider } = await network.create();
const [admin, manufacturer, distributor] = await ethers.getSigners();
if (admin === undefined || manufacturer === undefined || distributor === undefined) {
  throw new Error("the breakdown needs three funded accounts");
}
const { chain, asManufacturer, lotId, commitment } = await supplyChainWithLot(ethers, admin, manufacturer, distributor, "Amoxicillin 500mg caps x 20 EU");
const asDistributor = chain.connect(distributor);
await (await asManufacturer.registerLot(GTIN, await chain.lotKeyOf(GTIN, "LOTRECALL"), EXPIRY)).wait();
for (const serial of ["WARM", "BEST", "OLD"]) await (await asManufacturer.commissionPack(lotId, await commitment(serial))).wait();

async function breakdown(label: string, sent: Promise<ContractTransactionResponse>): Promise<void> {
  const tx = await sent;
  const receipt = await tx.wait();
  if (receipt === null) throw new Error("transaction was not mined");
  const trace = (await provider.request({
    method: "debug_traceTransaction",
    params: [tx.hash, { disableStorage: true, disableMemory: true, disableStack: true }],
  })) as Trace;
  const byOp = new Map<string, number>();
  for (const step of trace.structLogs.filter((s) => s.depth === 1)) byOp.set(step.op, (byOp.get(step.op) ?? 0) + step.gasCost);
  const execution = [...byOp.values()].reduce((a, b) => a + b, 0);
  const storageAndLogs = ["SLOAD", "SSTORE", "LOG2"].reduce((sum, op) => sum + (byOp.get(op) ?? 0), 0);
  const gasUsed = Number(receipt.gasUsed);
  console.log(
    `${label}: ${gasUsed} = intrinsic ${INTRINSIC} + calldata ${gasUsed - INTRINSIC - execution} + execution ${execution} ` +
      `(SLOAD ${byOp.get("SLOAD") ?? 0}, SSTORE ${byOp.get("SSTORE") ?? 0}, LOG2 ${byOp.get("LOG2") ?? 0}, ` +
      `everything else ${execution - storageAndLogs} in ${trace.structLogs.length} steps)`,
  );
}

await breakdown("ship, best case", asManufacturer.ship(await commitment("BEST"), distributor.address));
await breakdown("receive, best case", asDistributor.receivePack(await commitment("BEST")));
await (await asManufacturer.recallLot(await chain.lotIdOf(await chain.lotKeyOf(GTIN, "LOTRECALL")))).wait();
await breakdown("ship, after a recall", asManufacturer.ship(await commitment("OLD"), distributor.address));
await breakdown("receive, after a recall", asDistributor.receivePack(await commitment("OLD")));
