import { expect } from "chai";
import { Client } from "../../support/fabric-double.js";
import { DIST, GTIN, MFR, REG, SOURCE, expectError, partnersWorld, productInput } from "./support/world.js";

describe("products:RegisterProduct", () => {
  it("stores the manufacturer's master data, endorsed by the manufacturer only", async () => {
    const world = await partnersWorld();
    const product = await world.manufacturer.submit("products:RegisterProduct", productInput());
    expect(product).to.include({ gtin: GTIN, manufacturer: MFR, stabilityBudgetMinutes: 60 });
    expect(await world.distributor.submit("products:GetProduct", GTIN)).to.deep.equal(product);
    expect(world.net.ledger(SOURCE).keyPolicy(`\u0000product\u0000${GTIN}\u0000`)).to.deep.include({ all: [MFR], anyOf: [DIST, REG] });
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.include({ type: "ProductRegistered", gtin: GTIN, by: MFR });
  });

  it("rejects a distributor registering a product", async () => {
    const world = await partnersWorld();
    await expectError(world.distributor.submit("products:RegisterProduct", productInput()), "FORBIDDEN");
  });

  it("rejects an org that is not a registered partner", async () => {
    const world = await partnersWorld();
    const stranger = new Client(world.net, SOURCE, "StrangerMSP", { "rxtrace.role": "operator" });
    const error = await expectError(stranger.submit("products:RegisterProduct", productInput()), "FORBIDDEN");
    expect(error.detail).to.match(/not a registered trading partner/);
  });

  it("rejects registering the same GTIN twice", async () => {
    const world = await partnersWorld();
    await world.manufacturer.submit("products:RegisterProduct", productInput());
    await expectError(world.manufacturer.submit("products:RegisterProduct", productInput()), "ALREADY_EXISTS", "gtin");
  });

  it("names the field and rule of invalid master data", async () => {
    const world = await partnersWorld();
    const cases: [Record<string, unknown>, string][] = [
      [{ gtin: "09521234543214" }, "gtin"],
      [{ name: 5 }, "name"],
      [{ storage: { minCentiCelsius: 800, maxCentiCelsius: 200 } }, "storage.maxCentiCelsius"],
      [{ storage: { minCentiCelsius: 2.5, maxCentiCelsius: 800 } }, "storage.minCentiCelsius"],
      [{ limits: { minCentiCelsius: 300, maxCentiCelsius: 2500 } }, "limits"],
      [{ limits: { minCentiCelsius: -9000, maxCentiCelsius: 2500 } }, "limits.minCentiCelsius"],
      [{ stabilityBudgetMinutes: -1 }, "stabilityBudgetMinutes"],
      [{ storage: null }, "storage"],
    ];
    for (const [override, field] of cases) {
      await expectError(world.manufacturer.submit("products:RegisterProduct", { ...productInput(), ...override }), "INVALID_ARGUMENT", field);
    }
    await expectError(world.manufacturer.submit("products:GetProduct", GTIN), "NOT_FOUND", "gtin");
  });
});

describe("products:WithdrawProduct", () => {
  it("lets the manufacturer withdraw its GTIN once, irreversibly", async () => {
    const world = await partnersWorld();
    await world.manufacturer.submit("products:RegisterProduct", productInput());
    const withdrawn = await world.manufacturer.submit("products:WithdrawProduct", GTIN, "marketing authorisation ended");
    expect(withdrawn.withdrawal).to.include({ by: MFR, reason: "marketing authorisation ended" });
    await expectError(world.manufacturer.submit("products:WithdrawProduct", GTIN, "again"), "CONFLICT", "gtin");
    expect(world.net.ledger(SOURCE).lastEvent()?.name).to.equal("ProductWithdrawn");
  });

  it("lets the regulator withdraw a GTIN", async () => {
    const world = await partnersWorld();
    await world.manufacturer.submit("products:RegisterProduct", productInput());
    const withdrawn = await world.regulator.submit("products:WithdrawProduct", GTIN, "safety");
    expect(withdrawn.withdrawal.by).to.equal(REG);
  });

  it("rejects a withdrawal by a distributor", async () => {
    const world = await partnersWorld();
    await world.manufacturer.submit("products:RegisterProduct", productInput());
    const error = await expectError(world.distributor.submit("products:WithdrawProduct", GTIN, "no"), "FORBIDDEN");
    expect(error.detail).to.include(MFR);
    expect(world.distributor.msp).to.equal(DIST);
  });

  it("rejects an empty reason and an unknown GTIN", async () => {
    const world = await partnersWorld();
    await expectError(world.manufacturer.submit("products:WithdrawProduct", GTIN, ""), "INVALID_ARGUMENT", "reason");
    await expectError(world.manufacturer.submit("products:WithdrawProduct", GTIN, "x"), "NOT_FOUND", "gtin");
  });
});
