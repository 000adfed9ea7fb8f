import { expect } from "chai";
import { KeyLanes, importLanes, laneKey, lotLanes } from "../../gateway/src/services/key-lanes.js";
import { buildTestApp, KEYS } from "./support/app.js";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Work that records how many runs overlap. */
function probe() {
  let running = 0;
  let most = 0;
  const order: string[] = [];
  return {
    work: (name: string, ms = 20) => async () => {
      running += 1;
      most = Math.max(most, running);
      order.push(`start ${name}`);
      await tick(ms);
      order.push(`end ${name}`);
      running -= 1;
      return name;
    },
    get most() {
      return most;
    },
    order,
  };
}

describe("key lanes", () => {
  it("runs work on one key one after another, in arrival order", async () => {
    const lanes = new KeyLanes();
    const p = probe();
    const results = await Promise.all([lanes.run(["lot/A"], p.work("1")), lanes.run(["lot/A"], p.work("2")), lanes.run(["lot/A"], p.work("3"))]);
    expect(results).to.deep.equal(["1", "2", "3"]);
    expect(p.most).to.equal(1);
    expect(p.order).to.deep.equal(["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
  });

  it("runs work on different keys at the same time", async () => {
    const lanes = new KeyLanes();
    const p = probe();
    await Promise.all([lanes.run(["lot/A"], p.work("a")), lanes.run(["lot/B"], p.work("b"))]);
    expect(p.most).to.equal(2);
  });

  it("waits for every key a work touches", async () => {
    const lanes = new KeyLanes();
    const p = probe();
    await Promise.all([lanes.run(["lot/A"], p.work("a", 30)), lanes.run(["lot/B"], p.work("b", 10)), lanes.run(["lot/A", "lot/B"], p.work("ab"))]);
    expect(p.order.indexOf("start ab")).to.be.greaterThan(p.order.indexOf("end a"));
    expect(p.order.indexOf("start ab")).to.be.greaterThan(p.order.indexOf("end b"));
  });

  it("lets the next work run after a failure, and forgets idle keys", async () => {
    const lanes = new KeyLanes();
    const failed = lanes.run(["lot/A"], async () => Promise.reject(new Error("endorsement failed"))).catch((e: unknown) => e);
    const next = lanes.run(["lot/A"], async () => "ran");
    expect(((await failed) as Error).message).to.equal("endorsement failed");
    expect(await next).to.equal("ran");
    expect(lanes.size).to.equal(0);
  });
});

describe("commissions into one lot through the gateway", () => {
  it("never overlap on the ledger, while other lots go in parallel", async () => {
    const t = await buildTestApp();
    let running = 0;
    let most = 0;
    const perLot = new Map<string, number>();
    let mostPerLot = 0;
    t.ledger.on("packs:CommissionLot", async (call) => {
      const { lot } = JSON.parse(call.args?.[0] ?? "") as { lot: string };
      running += 1;
      perLot.set(lot, (perLot.get(lot) ?? 0) + 1);
      most = Math.max(most, running);
      mostPerLot = Math.max(mostPerLot, perLot.get(lot) ?? 0);
      await tick(15);
      running -= 1;
      perLot.set(lot, (perLot.get(lot) ?? 0) - 1);
      return { commissioned: 1 };
    });
    const post = (lot: string, serial: string) =>
      t.app.inject({
        method: "POST",
        url: "/v1/lots",
        headers: { "x-api-key": KEYS.manufacturer, "content-type": "application/json" },
        payload: { gtin: "09521234543213", lot, expiry: "270331", serials: [serial] },
      });
    const answers = await Promise.all([post("L1", "A"), post("L1", "B"), post("L1", "C"), post("L2", "D")]);
    expect(answers.map((a) => a.statusCode)).to.deep.equal([201, 201, 201, 201]);
    expect(mostPerLot).to.equal(1);
    expect(most).to.equal(2);
    await t.close();
  });
});

describe("key lanes of the mirrored master data on the downstream channel", () => {
  const GTIN = "09521234543213";

  it("queues a recall sync of a lot behind an import of packs of the lot's GTIN", async () => {
    const lanes = new KeyLanes();
    const p = probe();
    await Promise.all([
      lanes.run(importLanes([GTIN, GTIN]), p.work("import")),
      lanes.run(lotLanes("dist-pharm", GTIN, "LOT1"), p.work("recall sync")),
    ]);
    expect(p.order).to.deep.equal(["start import", "end import", "start recall sync", "end recall sync"]);
  });

  it("queues a withdrawal sync of a product behind an import of packs of that GTIN", async () => {
    const lanes = new KeyLanes();
    const p = probe();
    await Promise.all([lanes.run(importLanes([GTIN]), p.work("import")), lanes.run([laneKey.product("dist-pharm", GTIN)], p.work("withdrawal sync"))]);
    expect(p.most).to.equal(1);
  });

  it("still runs writes to two lots of one GTIN on the source channel side by side", async () => {
    const lanes = new KeyLanes();
    const p = probe();
    await Promise.all([lanes.run(lotLanes("mfr-dist", GTIN, "LOT1"), p.work("lot 1")), lanes.run(lotLanes("mfr-dist", GTIN, "LOT2"), p.work("lot 2"))]);
    expect(p.most).to.equal(2);
  });
});
