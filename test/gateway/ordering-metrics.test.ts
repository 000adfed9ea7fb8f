import { expect } from "chai";
import { buildTestApp } from "./support/app.js";
import { parseExposition, valueOf } from "../../support/prometheus-text.js";

describe("orderer answers the gateway did not take at their word, on /metrics", () => {
  it("serves the counts by recovery, as they stand at scrape time", async () => {
    const counts = { resubmitted: 2, "ordered-despite-unavailable": 1 };
    const t = await buildTestApp({ ordering: () => counts });
    try {
      const scrape = async () => parseExposition((await t.app.inject({ method: "GET", url: "/metrics" })).body);
      let metrics = await scrape();
      expect(valueOf(metrics, "rxtrace_orderer_answers_recovered_total", { recovery: "resubmitted" })).to.equal(2);
      expect(valueOf(metrics, "rxtrace_orderer_answers_recovered_total", { recovery: "ordered-despite-unavailable" })).to.equal(1);

      counts.resubmitted = 5;
      metrics = await scrape();
      expect(valueOf(metrics, "rxtrace_orderer_answers_recovered_total", { recovery: "resubmitted" })).to.equal(5);
    } finally {
      await t.close();
    }
  });
});
