/**
 * fast-check drives random call sequences, by random callers, against
 * SupplyChain on the Hardhat chain, and checks the lifecycle invariants after
 * every call, on the chain's own state:
 *   - a dispensed pack never moves again (holder and status are frozen);
 *   - a recalled lot never verifies, for any of its packs;
 *   - only the owner ships: every ship that succeeds was sent by the holder.
 * FUZZ_RUNS sets the number of sequences (default 40, each up to 60 calls).
 */
import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";

const { ethers, networkHelpers } = await network.create();

const GTIN = 9521234543213n;
const EXPIRY = 301231;
const LOTS = ["LOTA", "LOTB"] as const;
const SERIALS = ["S0", "S1", "S2", "S3"] as const;
const Status = { None: 0n, Commissioned: 1n, InTransit: 2n, Received: 3n, Dispensed: 4n } as const;
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

async function world() {
  const [admin, manufacturer, distributor, pharmacy, regulator, stranger, otherPharmacy, otherDistributor] = await ethers.getSigners();
  const chain = await ethers.deployContract("SupplyChain", [admin.address]);
  const grants: [string, { address: string }][] = [
    [await chain.MANUFACTURER_ROLE(), manufacturer],
    [await chain.DISTRIBUTOR_ROLE(), distributor],
    [await chain.DISTRIBUTOR_ROLE(), otherDistributor],
    [await chain.PHARMACY_ROLE(), pharmacy],
    [await chain.PHARMACY_ROLE(), otherPharmacy],
    [await chain.REGULATOR_ROLE(), regulator],
  ];
  for (const [role, account] of grants) await (await chain.grantRole(role, account.address)).wait();
  await (await chain.grantRole(await chain.REGISTRY_ROLE(), admin.address)).wait();
  await (await chain.assignGtin(GTIN, manufacturer.address)).wait();
  await (await chain.connect(manufacturer).registerGtin(GTIN, "Aspirin 100mg tablets")).wait();
  for (const lot of LOTS) await (await chain.connect(manufacturer).registerLot(GTIN, await chain.lotKeyOf(GTIN, lot), EXPIRY)).wait();
  const actors = [manufacturer, distributor, otherDistributor, pharmacy, otherPharmacy, regulator, stranger];
  return { chain, actors };
}

/** Pack i belongs to lot i % 2. */
const lotOfPack = (i: number) => LOTS[i % LOTS.length] ?? "LOTA";
const lotIdOfPack = (i: number) => BigInt((i % LOTS.length) + 1);

type Call =
  | { op: "commission"; pack: number; by: number }
  | { op: "ship"; pack: number; by: number; to: number }
  | { op: "receive"; pack: number; by: number }
  | { op: "dispense"; pack: number; by: number }
  | { op: "recall"; lot: number; by: number }
  | { op: "flag"; pack: number; by: number; flag: number }
  /** The pack's next lifecycle call by its natural caller: commission, ship on, receive or dispense. */
  | { op: "step"; pack: number };

/** An actor index, or -1: "the natural caller" (the pack's holder, the manufacturer), so sequences get past the first revert. */
const actor = fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 2, arbitrary: fc.constant(-1) });
const pack = fc.integer({ min: 0, max: SERIALS.length - 1 });
const call: fc.Arbitrary<Call> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ op: fc.constant("step" as const), pack }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("commission" as const), pack, by: actor }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant("ship" as const), pack, by: actor, to: actor }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant("receive" as const), pack, by: actor }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("dispense" as const), pack, by: actor }) },
  // Recalls and flags come from any actor (no "natural caller"), so they end fewer sequences early.
  { weight: 1, arbitrary: fc.record({ op: fc.constant("recall" as const), lot: fc.integer({ min: 0, max: 1 }), by: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("flag" as const), pack, by: fc.integer({ min: 0, max: 6 }), flag: fc.integer({ min: 0, max: 3 }) }) },
);

describe("SupplyChain lifecycle invariants under random call sequences", function () {
  this.timeout(600_000);
  const tally = { sequences: 0, calls: 0, succeeded: 0, reverted: 0, ships: 0, dispensed: 0, recalls: 0 };
  const byOp = new Map<string, number>();
  after(() => console.log(`      contract invariant fuzz: ${JSON.stringify(tally)}; succeeded by call: ${JSON.stringify(Object.fromEntries(byOp))}`));

  it("never moves a dispensed pack, never verifies a pack of a recalled lot, and lets only the holder ship", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 10, maxLength: 60, size: "max" }), async (calls) => {
        const { chain, actors } = await networkHelpers.loadFixture(world);
        tally.sequences += 1;
        const ids = await Promise.all(SERIALS.map((s, i) => chain.packIdOf(GTIN, s, lotOfPack(i), EXPIRY)));
        const frozen = new Map<number, { holder: string; status: bigint }>();
        const recalled = new Set<number>();

        const [manufacturer, distributor, , pharmacy] = actors;
        for (const c of calls) {
          tally.calls += 1;
          const packIndex = "pack" in c ? c.pack : 0;
          const id = ids[packIndex] ?? ids[0] ?? "";
          const before = await chain.packOf(id);
          const holder = actors.find((a) => a.address === before.holder) ?? manufacturer;
          const by = "by" in c ? c.by : -1;
          const signer = by >= 0 ? actors[by] : c.op === "commission" || c.op === "recall" ? manufacturer : holder;
          if (!signer || !manufacturer || !distributor || !pharmacy) continue;
          const contract = chain.connect(signer);
          // The natural consignee: the next trading partner down the chain.
          const next = before.holder === manufacturer.address ? distributor : pharmacy;
          const consignee = c.op === "ship" && c.to >= 0 ? actors[c.to] : next;
          let ok = true;
          try {
            switch (c.op) {
              case "step":
                if (before.status === Status.None) await (await contract.commissionPack(lotIdOfPack(c.pack), id)).wait();
                else if (before.status === Status.InTransit) await (await contract.receivePack(id)).wait();
                else if (before.holder === pharmacy.address) await (await contract.dispense(id)).wait();
                else await (await contract.ship(id, next.address)).wait();
                break;
              case "commission":
                await (await contract.commissionPack(lotIdOfPack(c.pack), id)).wait();
                break;
              case "ship":
                await (await contract.ship(id, consignee?.address ?? ethers.ZeroAddress)).wait();
                break;
              case "receive":
                await (await contract.receivePack(id)).wait();
                break;
              case "dispense":
                await (await contract.dispense(id)).wait();
                break;
              case "recall":
                await (await contract.recallLot(BigInt(c.lot + 1))).wait();
                break;
              case "flag":
                await (await contract.flagPack(id, c.flag)).wait();
                break;
            }
          } catch {
            ok = false;
          }
          tally[ok ? "succeeded" : "reverted"] += 1;
          if (ok) byOp.set(c.op, (byOp.get(c.op) ?? 0) + 1);

          // Only the owner ships.
          if (c.op === "ship" && ok) {
            tally.ships += 1;
            expect(before.holder, `ship by ${signer.address} succeeded for a pack held by ${before.holder}`).to.equal(signer.address);
          }
          if (c.op === "recall" && ok) {
            tally.recalls += 1;
            recalled.add(c.lot);
          }

          for (let i = 0; i < ids.length; i++) {
            const now = await chain.packOf(ids[i] ?? "");
            // A dispensed pack never moves again.
            const was = frozen.get(i);
            if (was) {
              expect(now.holder, `dispensed pack ${SERIALS[i]} changed holder after ${JSON.stringify(c)}`).to.equal(was.holder);
              expect(now.status, `dispensed pack ${SERIALS[i]} changed status after ${JSON.stringify(c)}`).to.equal(was.status);
            } else if (now.status === Status.Dispensed) {
              tally.dispensed += 1;
              frozen.set(i, { holder: now.holder, status: now.status });
            }
            // A recalled lot never verifies.
            if (recalled.has(i % LOTS.length)) {
              const [verified] = await chain.verify(GTIN, SERIALS[i] ?? "", lotOfPack(i), EXPIRY);
              expect(verified, `pack ${SERIALS[i]} of recalled lot ${lotOfPack(i)} verified`).to.equal(false);
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
    // The sequences must have exercised the paths the invariants are about.
    expect(tally.ships).to.be.greaterThan(0);
    expect(tally.dispensed).to.be.greaterThan(0);
    expect(tally.recalls).to.be.greaterThan(0);
  });
});
