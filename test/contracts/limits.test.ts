// The bounded loops (a recall walks the partner list, a withdrawal the GTIN's lots) and the
// largest batch, at their limits, must each fit in one transaction under the 2^24 gas cap
// of EIP-7825. Under --coverage the contract is instrumented and its gas means nothing, so
// there the operations are only required to succeed; scripts/test/contracts.sh runs this
// file a second time without coverage, where the gas bound is asserted.
import { expect } from "chai";
import hre, { network } from "hardhat";

const TRANSACTION_GAS_CAP = 1n << 24n;
const GTIN = 9521234543213n;
const EXPIRY = 301231;
const measuringGas = !hre.globalOptions.coverage;

const { ethers } = await network.create();

async function gasOf(sent: Promise<{ wait: () => Promise<{ gasUsed: bigint } | null> }>): Promise<bigint> {
  const receipt = await (await sent).wait();
  if (receipt === null) throw new Error("transaction was not mined");
  return receipt.gasUsed;
}

describe("SupplyChain at its list and batch limits", function () {
  this.timeout(300_000);

  it("fits a full batch, a recall and a withdrawal at the limits in one transaction each, and refuses one more lot, partner or pack", async function () {
    const [admin, manufacturer, regulator] = await ethers.getSigners();
    const chain = await ethers.deployContract("SupplyChain", [admin.address]);
    await (await chain.grantRole(await chain.MANUFACTURER_ROLE(), manufacturer.address)).wait();
    await (await chain.grantRole(await chain.REGULATOR_ROLE(), regulator.address)).wait();
    await (await chain.grantRole(await chain.REGISTRY_ROLE(), admin.address)).wait();
    await (await chain.assignGtin(GTIN, manufacturer.address)).wait();
    const pharmacyRole = await chain.PHARMACY_ROLE();
    const partnerLimit = Number(await chain.MAX_TRADING_PARTNERS());
    for (let i = 1; i < partnerLimit; ++i) {
      await chain.grantRole(pharmacyRole, ethers.getAddress(`0x${(0x10000 + i).toString(16).padStart(40, "0")}`));
    }
    const asManufacturer = chain.connect(manufacturer);
    await (await asManufacturer.registerGtin(GTIN, "Aspirin 100mg")).wait();
    const lotLimit = Number(await chain.MAX_LOTS_PER_GTIN());
    for (let i = 0; i < lotLimit; ++i) await asManufacturer.registerLot(GTIN, ethers.id(`L${i}`), EXPIRY);
    await expect(asManufacturer.registerLot(GTIN, ethers.id(`L${lotLimit}`), EXPIRY))
      .to.be.revertedWithCustomError(chain, "GtinLotLimitReached")
      .withArgs(GTIN, lotLimit);
    const maxBatch = Number(await chain.MAX_BATCH());
    const serials = Array.from({ length: maxBatch }, (_, i) => ethers.id(`SERIAL${String(i).padStart(14, "0")}`));

    const batch = await gasOf(asManufacturer.commissionPacks(1n, serials));
    const recall = await gasOf(chain.connect(regulator).recallLot(1n));
    const withdrawal = await gasOf(asManufacturer.withdrawGtin(GTIN));

    expect((await chain.gtinOf(GTIN)).lotCount).to.equal(BigInt(lotLimit));
    expect((await chain.lotOf(BigInt(lotLimit))).state).to.equal(3n); // Withdrawn
    // The limits are the documented ones, and one more is refused.
    expect([lotLimit, partnerLimit, maxBatch]).to.deep.equal([1000, 500, 500]);
    await expect(chain.grantRole(pharmacyRole, ethers.getAddress(`0x${(0x20000).toString(16).padStart(40, "0")}`)))
      .to.be.revertedWithCustomError(chain, "TradingPartnerLimitReached")
      .withArgs(partnerLimit);
    await expect(asManufacturer.commissionPacks(1n, [...serials, ethers.id("ONE MORE")]))
      .to.be.revertedWithCustomError(chain, "InvalidBatchSize")
      .withArgs(maxBatch + 1, maxBatch);
    if (measuringGas) {
      console.log(`      gas at the limits: batch of ${maxBatch} ${batch}, recall ${recall}, withdrawal ${withdrawal}`);
      expect(batch).to.be.lessThan(TRANSACTION_GAS_CAP);
      expect(recall).to.be.lessThan(TRANSACTION_GAS_CAP);
      expect(withdrawal).to.be.lessThan(TRANSACTION_GAS_CAP);
    }
  });
});
