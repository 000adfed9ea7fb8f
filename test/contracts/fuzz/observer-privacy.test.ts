/**
 * Privacy by commitment, from an observer's seat: fast-check draws random serials, lot numbers
 * and expiries, runs each pack through its whole life (register, commission, ship, receive,
 * ship on, receive, dispense, undo and dispense again, a shipment exception, hold, decommission
 * as locked, recall) and then replays every event and every transaction
 * the chain holds. Nothing an observer can read there contains a serial or a lot number, no
 * event holds an expiry, no event names a pair of trading parties and no event of a pack's
 * moves names any.
 */
import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";

const { ethers, networkHelpers } = await network.create();

const GTIN = 9521234543213n;
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
// Serials and lots long enough that their bytes cannot turn up by chance inside a 32-byte hash.
const GS1 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".split("");
const gs1Text = (min: number) => fc.array(fc.constantFrom(...GS1), { minLength: min, maxLength: 20 }).map((c) => c.join(""));
// YYMMDD between 2031 and 2099, day 01-28 so every month has it.
const expiry = fc
  .record({ y: fc.integer({ min: 31, max: 99 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) })
  .map(({ y, m, d }) => y * 10_000 + m * 100 + d);

async function world() {
  const [admin, manufacturer, distributor, pharmacy, regulator] = await ethers.getSigners();
  if (!admin || !manufacturer || !distributor || !pharmacy || !regulator) throw new Error("five accounts needed");
  const chain = await ethers.deployContract("SupplyChain", [admin.address]);
  for (const [role, account] of [
    [await chain.MANUFACTURER_ROLE(), manufacturer],
    [await chain.DISTRIBUTOR_ROLE(), distributor],
    [await chain.PHARMACY_ROLE(), pharmacy],
    [await chain.REGULATOR_ROLE(), regulator],
    [await chain.REGISTRY_ROLE(), admin],
  ] as const) {
    await (await chain.grantRole(role, account.address)).wait();
  }
  await (await chain.assignGtin(GTIN, manufacturer.address)).wait();
  await (await chain.connect(manufacturer).registerGtin(GTIN, "Aspirin 100mg tablets")).wait();
  const setUpTo = await ethers.provider.getBlockNumber();
  return { chain, manufacturer, distributor, pharmacy, regulator, setUpTo };
}

const hexOf = (text: string) => Buffer.from(text, "utf8").toString("hex");

describe("SupplyChain as seen by an observer of the chain", function () {
  it("learns no serial or lot number from any event or transaction, and no expiry or pair of trading parties from any event", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(gs1Text(8), { minLength: 1, maxLength: 4 }),
        gs1Text(6),
        expiry,
        async (serials, lot, printedExpiry) => {
          const { chain, manufacturer, distributor, pharmacy, regulator, setUpTo } = await networkHelpers.loadFixture(world);
          const lotKey = await chain.lotKeyOf(GTIN, lot);
          const ids = await Promise.all(serials.map((s) => chain.packIdOf(GTIN, s, lot, printedExpiry)));
          const asManufacturer = chain.connect(manufacturer);
          await (await asManufacturer.registerLot(GTIN, lotKey, printedExpiry)).wait();
          await (await asManufacturer.commissionPacks(1n, ids)).wait();
          await (await asManufacturer.shipBatch(ids, distributor.address)).wait();
          await (await chain.connect(distributor).receiveBatch(ids)).wait();
          await (await chain.connect(distributor).shipBatch(ids, pharmacy.address)).wait();
          await (await chain.connect(pharmacy).receiveBatch(ids)).wait();
          const [first, ...rest] = ids;
          if (first === undefined) throw new Error("no pack");
          await (await chain.connect(pharmacy).dispense(first)).wait();
          await (await chain.connect(pharmacy).undoDecommission(first)).wait();
          await (await chain.connect(pharmacy).dispense(first)).wait();
          // A pack found in the delivery that was never shipped: its commitment, never its serial.
          const foreign = await chain.packIdOf(GTIN, `${serials[0] ?? ""}X`, lot, printedExpiry);
          await (await chain.connect(pharmacy).recordShipmentException(ethers.id("delivery"), [], [foreign], ethers.ZeroHash)).wait();
          if (rest.length > 0) await (await chain.connect(regulator).placeColdChainHold(rest, ethers.ZeroHash)).wait();
          for (const id of rest) await (await chain.connect(pharmacy).decommission(id, 9n)).wait(); // Locked
          await (await asManufacturer.recallLot(1n)).wait();
          // The pharmacy, holding the pack, can still open the commitment.
          expect(await chain.verify(GTIN, serials[0] ?? "", lot, printedExpiry)).to.deep.equal([false, 5n]);

          const logs = await ethers.provider.getLogs({ address: await chain.getAddress(), fromBlock: setUpTo + 1, toBlock: "latest" });
          expect(logs.length).to.be.greaterThan(5);
          const secrets = [...serials, lot].map(hexOf);
          const parties = [manufacturer, distributor, pharmacy].map((a) => a.address.slice(2).toLowerCase());
          const movements = new Set(
            ["PackShipped", "PackReceived", "PackDispensed", "PackDecommissioned", "DecommissionUndone", "ShipmentExceptionRecorded"].map((name) => chain.interface.getEvent(name)?.topicHash ?? ""),
          );
          const expiryWord = printedExpiry.toString(16).padStart(64, "0");
          for (const log of logs) {
            const text = [...log.topics, log.data].join("").toLowerCase();
            for (const secret of secrets) expect(text, `event ${log.topics[0]}`).to.not.include(secret);
            const named = parties.filter((party) => text.includes(party));
            // At most one party (who recalled, say), never a pair; a pack's moves name nobody.
            expect(named.length, `event ${log.topics[0]}`).to.be.at.most(1);
            if (movements.has(log.topics[0] ?? "")) expect(named, `event ${log.topics[0]}`).to.deep.equal([]);
            expect(log.data.toLowerCase()).to.not.include(expiryWord);
          }
          const latest = await ethers.provider.getBlockNumber();
          for (let n = setUpTo + 1; n <= latest; ++n) {
            const block = await ethers.provider.getBlock(n, true);
            for (const tx of block?.prefetchedTransactions ?? []) {
              for (const secret of secrets) expect(tx.data.toLowerCase()).to.not.include(secret);
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
