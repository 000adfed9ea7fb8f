import { expect } from "chai";
import type { Investigation, TracingView } from "@rxtrace/domain";
import { GatewayError } from "../../gateway/src/errors.js";
import { subjectsOf } from "../../gateway/src/events/subjects.js";
import { investigationClock, tracingClock } from "../../gateway/src/services/investigations.js";
import { buildTestApp, KEYS, type TestApp } from "./support/app.js";

const GTIN = "09521234543213";
const PACKS = [
  { gtin: GTIN, serial: "SN1" },
  { gtin: GTIN, serial: "SN2" },
];
const CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
const SHA = "a".repeat(64);
const OPENED = { at: "2026-03-01T10:00:00Z", by: "DistributorMSP", txId: "t1" };
const INVESTIGATION: Investigation = {
  investigationId: "INV-1",
  scope: { type: "lot", gtin: GTIN, lot: "LOT1" },
  reason: "label mismatch",
  evidence: [{ cid: CID, sha256: SHA }],
  packs: PACKS,
  marked: PACKS,
  partners: ["DistributorMSP", "ManufacturerMSP"],
  status: "OPEN",
  opened: OPENED,
  disposals: [],
};
const ALL_ON_SOURCE = ["ManufacturerMSP", "DistributorMSP", "RegulatorMSP"];
const json = (key: string) => ({ "x-api-key": key, "content-type": "application/json" });

describe("POST /v1/investigations (open)", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger.on("investigations:OpenInvestigation", (call) => ({ ...INVESTIGATION, ...JSON.parse(call.args?.[0] ?? "") }));
  });
  afterEach(async () => t.close());

  it("opens on the caller's channel, endorsed by every org of the channel, the evidence CIDs as sent, with a clock", async () => {
    const payload = { investigationId: "INV-1", scope: { type: "lot", gtin: GTIN, lot: "LOT1" }, reason: "label mismatch", evidence: [{ cid: CID, sha256: SHA }] };
    const res = await t.app.inject({ method: "POST", url: "/v1/investigations", headers: json(KEYS.manufacturer), payload });
    expect(res.statusCode).to.equal(201);
    expect(res.json().result).to.include({ investigationId: "INV-1", status: "OPEN" });
    expect(res.json().result.clock).to.include({ overdue: false });
    const [s] = t.ledger.submitted("investigations:OpenInvestigation");
    expect(s?.call.channel).to.equal("mfr-dist");
    expect([...(s?.call.endorsingOrganizations ?? [])].sort()).to.deep.equal([...ALL_ON_SOURCE].sort());
    expect(JSON.parse(s?.call.args?.[0] ?? "")).to.deep.equal(payload);
  });

  it("asks an org on two channels (the regulator) which channel", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/investigations", headers: json(KEYS.regulator), payload: { investigationId: "I", scope: { type: "packs", packs: PACKS }, reason: "r" } });
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("channel");
    const ok = await t.app.inject({ method: "POST", url: "/v1/investigations", headers: json(KEYS.regulator), payload: { investigationId: "I", scope: { type: "packs", packs: PACKS }, reason: "r", channel: "dist-pharm" } });
    expect(ok.statusCode).to.equal(201);
    expect(t.ledger.submitted("investigations:OpenInvestigation")[0]?.call.endorsingOrganizations).to.have.members(["DistributorMSP", "PharmacyMSP", "RegulatorMSP"]);
  });

  it("refuses bad input with 400 naming the field, and nothing reaches the ledger", async () => {
    const send = (payload: unknown) => t.app.inject({ method: "POST", url: "/v1/investigations", headers: json(KEYS.manufacturer), payload: payload as Record<string, unknown> });
    const ok = { investigationId: "I", scope: { type: "lot", gtin: GTIN, lot: "LOT1" }, reason: "r" };
    const cases: [unknown, string][] = [
      [{ ...ok, investigationId: "I I" }, "investigationId"],
      [{ ...ok, reason: "" }, "reason"],
      [{ ...ok, evidence: [{ cid: "short", sha256: SHA }] }, "evidence.0.cid"],
      [{ ...ok, evidence: [{ cid: CID, sha256: "XYZ" }] }, "evidence.0.sha256"],
    ];
    for (const [payload, field] of cases) {
      const res = await send(payload);
      expect(res.statusCode, JSON.stringify(payload)).to.equal(400);
      expect(res.json().field, JSON.stringify(payload)).to.equal(field);
    }
    expect((await send({ ...ok, scope: { type: "pallet" } })).statusCode).to.equal(400);
    expect(t.ledger.calls).to.have.length(0);
  });
});

describe("investigation determination, notification, disposal, closing and the list", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger
      .on("investigations:GetInvestigation", (call) => {
        if (call.channel !== "mfr-dist" || call.args?.[0] !== "INV-1") throw new GatewayError("NOT_FOUND", "investigation not found");
        return INVESTIGATION;
      })
      .on("investigations:DetermineInvestigation", () => ({
        ...INVESTIGATION,
        status: "DETERMINED",
        determination: { ...OPENED, outcome: "ILLEGITIMATE", reason: "fake", notifyBy: "2026-03-02T10:00:00Z" },
      }))
      .on("investigations:RecordRegulatorNotification", () => INVESTIGATION)
      .on("investigations:DisposeInvestigationPacks", () => INVESTIGATION)
      .on("investigations:CloseInvestigation", () => ({ ...INVESTIGATION, status: "CLOSED" }))
      .on("investigations:ListInvestigations", (call) => ({ investigations: [INVESTIGATION], bookmark: call.args?.[1] === "" ? "next" : "" }));
  });
  afterEach(async () => t.close());

  it("determines on the investigation's channel with every org endorsing; the deadline is in the clock", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/investigations/INV-1/determination", headers: json(KEYS.distributor), payload: { outcome: "ILLEGITIMATE", reason: "fake" } });
    expect(res.statusCode).to.equal(200);
    expect(res.json().result.clock.notifyBy).to.equal("2026-03-02T10:00:00Z");
    const [s] = t.ledger.submitted("investigations:DetermineInvestigation");
    expect(s?.call.channel).to.equal("mfr-dist");
    expect(JSON.parse(s?.call.args?.[0] ?? "")).to.deep.equal({ investigationId: "INV-1", outcome: "ILLEGITIMATE", reason: "fake" });
    const bad = await t.app.inject({ method: "POST", url: "/v1/investigations/INV-1/determination", headers: json(KEYS.distributor), payload: { outcome: "MAYBE", reason: "r" } });
    expect(bad.statusCode).to.equal(400);
    expect(bad.json().field).to.equal("outcome");
  });

  it("records the notification, disposes and closes, each with its own action", async () => {
    const notify = await t.app.inject({ method: "POST", url: "/v1/investigations/INV-1/regulator-notification", headers: json(KEYS.distributor), payload: { reference: "FDA-3911-1" } });
    expect(notify.statusCode).to.equal(200);
    expect(JSON.parse(t.ledger.submitted("investigations:RecordRegulatorNotification")[0]?.call.args?.[0] ?? "")).to.deep.equal({ investigationId: "INV-1", reference: "FDA-3911-1" });
    const dispose = await t.app.inject({ method: "POST", url: "/v1/investigations/INV-1/disposal", headers: json(KEYS.distributor), payload: { action: "DESTROY" } });
    expect(dispose.statusCode).to.equal(200);
    const close = await t.app.inject({ method: "POST", url: "/v1/investigations/INV-1/close", headers: json(KEYS.distributor), payload: { reason: "destroyed" } });
    expect(close.json().result.status).to.equal("CLOSED");
    // The regulator does not record its own notification nor dispose of packs.
    for (const url of ["/v1/investigations/INV-1/regulator-notification", "/v1/investigations/INV-1/disposal"]) {
      const res = await t.app.inject({ method: "POST", url, headers: json(KEYS.regulator), payload: { reference: "x", action: "DESTROY" } });
      expect(res.statusCode, url).to.equal(403);
    }
  });

  it("answers 404 for an unknown investigation without submitting", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/investigations/NOPE/close", headers: json(KEYS.distributor), payload: { reason: "r" } });
    expect(res.statusCode).to.equal(404);
    expect(t.ledger.submitted("investigations:CloseInvestigation")).to.have.length(0);
  });

  it("lists the open investigations a page at a time for the regulator, each with its age", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/investigations?status=OPEN&pageSize=10&channel=mfr-dist", headers: json(KEYS.regulator) });
    expect(res.statusCode).to.equal(200);
    expect(res.json().result.bookmark).to.equal("next");
    expect(res.json().result.investigations[0].clock.ageSeconds).to.be.a("number");
    const [c] = t.ledger.calls.filter((x) => x.call.transaction === "investigations:ListInvestigations");
    expect(c?.call.args).to.deep.equal(["10", "", "OPEN"]);
    const bad = await t.app.inject({ method: "GET", url: "/v1/investigations?status=PENDING&channel=mfr-dist", headers: json(KEYS.regulator) });
    expect(bad.statusCode).to.equal(400);
    expect(bad.json().field).to.equal("status");
  });
});

describe("tracing requests", () => {
  let t: TestApp;
  const view: TracingView = {
    requestId: "T-1",
    scope: { type: "lot", gtin: GTIN, lot: "LOT1" },
    reason: "trace",
    asked: ["DistributorMSP", "ManufacturerMSP"],
    requested: { at: "2026-03-01T10:00:00Z", by: "RegulatorMSP", txId: "t" },
    respondBy: "2026-03-02T10:00:00Z",
    answers: [],
  };
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger
      .on("investigations:OpenTracingRequest", () => view)
      .on("investigations:GetTracingRequest", (call) => {
        if (call.channel !== "mfr-dist") throw new GatewayError("NOT_FOUND", "no such request");
        return view;
      })
      .on("investigations:AnswerTracingRequest", () => ({ requestId: "T-1", holder: "DistributorMSP", statement: "s", documents: [], answered: view.requested, withinDeadline: true }));
  });
  afterEach(async () => t.close());

  it("only the regulator asks; the answer is endorsed by the holder and the regulator", async () => {
    const denied = await t.app.inject({ method: "POST", url: "/v1/tracing-requests", headers: json(KEYS.distributor), payload: { requestId: "T-1", scope: view.scope, reason: "trace" } });
    expect(denied.statusCode).to.equal(403);
    const asked = await t.app.inject({ method: "POST", url: "/v1/tracing-requests", headers: json(KEYS.regulator), payload: { requestId: "T-1", scope: view.scope, reason: "trace", channel: "mfr-dist" } });
    expect(asked.statusCode).to.equal(201);
    expect(asked.json().result.clock.pending).to.deep.equal(["DistributorMSP", "ManufacturerMSP"]);
    const answer = await t.app.inject({ method: "POST", url: "/v1/tracing-requests/T-1/answers", headers: json(KEYS.distributor), payload: { statement: "received on S-1", documents: [{ cid: CID, sha256: SHA }] } });
    expect(answer.statusCode).to.equal(201);
    const [s] = t.ledger.submitted("investigations:AnswerTracingRequest");
    expect(s?.call.endorsingOrganizations).to.deep.equal(["DistributorMSP", "RegulatorMSP"]);
    expect(JSON.parse(s?.call.args?.[0] ?? "")).to.deep.equal({ requestId: "T-1", statement: "received on S-1", documents: [{ cid: CID, sha256: SHA }] });
    const bad = await t.app.inject({ method: "POST", url: "/v1/tracing-requests/T-1/answers", headers: json(KEYS.distributor), payload: { statement: "" } });
    expect(bad.statusCode).to.equal(400);
    expect(bad.json().field).to.equal("statement");
  });
});

describe("investigation clocks at read time", () => {
  it("ages from opening, and is overdue once notifyBy passes without the regulator's notification", () => {
    const determined: Investigation = {
      ...INVESTIGATION,
      status: "DETERMINED",
      determination: { ...OPENED, outcome: "ILLEGITIMATE", reason: "fake", notifyBy: "2026-03-02T10:00:00Z" },
    };
    const early = investigationClock(determined, new Date("2026-03-01T12:00:00Z"));
    expect(early).to.deep.include({ ageSeconds: 7200, notifyBy: "2026-03-02T10:00:00Z", secondsToDeadline: 22 * 3600, overdue: false });
    const late = investigationClock(determined, new Date("2026-03-02T10:00:01Z"));
    expect(late).to.deep.include({ overdue: true, secondsToDeadline: -1 });
    const notified = investigationClock({ ...determined, regulatorNotified: { ...OPENED, reference: "r", withinDeadline: true } }, new Date("2026-03-05T00:00:00Z"));
    expect(notified.overdue).to.equal(false);
    expect(notified.secondsToDeadline).to.equal(undefined);
    const closed = investigationClock({ ...determined, closed: { ...OPENED, at: "2026-03-01T11:00:00Z", reason: "r" } }, new Date("2026-04-01T00:00:00Z"));
    expect(closed.ageSeconds).to.equal(3600);
  });

  it("a tracing request is overdue while an asked holder has not answered after 24 h", () => {
    const view: TracingView = {
      requestId: "T",
      scope: { type: "pack", gtin: GTIN, serial: "SN1" },
      reason: "r",
      asked: ["DistributorMSP", "PharmacyMSP"],
      requested: { at: "2026-03-01T10:00:00Z", by: "RegulatorMSP", txId: "t" },
      respondBy: "2026-03-02T10:00:00Z",
      answers: [{ requestId: "T", holder: "PharmacyMSP", statement: "s", documents: [], answered: { at: "2026-03-01T11:00:00Z", by: "PharmacyMSP", txId: "a" }, withinDeadline: true }],
    };
    expect(tracingClock(view, new Date("2026-03-03T00:00:00Z"))).to.deep.include({ pending: ["DistributorMSP"], overdue: true });
    expect(tracingClock(view, new Date("2026-03-01T12:00:00Z"))).to.deep.include({ overdue: false, ageSeconds: 7200 });
  });
});

describe("investigation events", () => {
  it("name the lot and each pack as subjects, and the partners in the payload", () => {
    const subjects = subjectsOf({ eventName: "InvestigationOpened", payload: { investigationId: "I", scope: { type: "lot", gtin: GTIN, lot: "LOT1" }, reason: "r", packs: PACKS, partners: ["DistributorMSP"] } });
    expect(subjects).to.deep.equal([{ gtin: GTIN, lot: "LOT1" }, ...PACKS]);
    expect(subjectsOf({ eventName: "TracingRequested", payload: { requestId: "T", scope: { type: "pack", gtin: GTIN, serial: "SN1" }, asked: [], respondBy: "x", partners: [] } })).to.deep.equal([{ gtin: GTIN, serial: "SN1" }]);
  });
});
