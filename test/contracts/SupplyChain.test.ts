import { expect } from "chai";
import { network } from "hardhat";

const { ethers: sharedEthers, networkHelpers } = await network.create();
const ethers = sharedEthers;

const GTIN = 9521234543213n;
const OTHER_GTIN = 14567815983469n;
const LOT = "LOT2026A";
const EXPIRY = 301231; // 31 Dec 2030
const EXPIRY_DAY = Date.UTC(2030, 11, 31) / 86_400_000;

enum Status {
  None,
  Commissioned,
  InTransit,
  Received,
  Dispensed,
  Exported,
  CheckedOut,
  Sample,
  FreeSample,
  Locked,
  Destroyed,
  Stolen,
}
const UNDO_WINDOW = 10 * 24 * 3600;
enum LotState {
  None,
  Active,
  Recalled,
  Withdrawn,
}
enum Flag {
  ColdChainHold,
  Suspect,
  Illegitimate,
  Quarantined,
}
enum Reason {
  None,
  NoMatchGtinSerial,
  LotMismatch,
  ExpiryMismatch,
  Expired,
  Recalled,
  Withdrawn,
  Suspect,
  Illegitimate,
  AlreadyDecommissioned,
  ColdChainHold,
  Quarantined,
}
enum Field {
  Serial,
  Lot,
  ProductName,
  Cid,
}

const coder = sharedEthers.AbiCoder.defaultAbiCoder();
/** A pack's commitment as SupplyChain.packIdOf computes it: every identifier printed on the pack. */
function pk(serial: string, lot = LOT, expiry = EXPIRY, gtin = GTIN): string {
  return sharedEthers.keccak256(coder.encode(["uint64", "string", "string", "uint24"], [gtin, serial, lot, expiry]));
}
/** A lot's commitment as SupplyChain.lotKeyOf computes it. */
function lk(lot: string, gtin = GTIN): string {
  return sharedEthers.keccak256(coder.encode(["uint64", "string"], [gtin, lot]));
}

/** The fixtures, bound to one chain connection (the shared one, or a fresh chain). */
function fixturesOn(ethers: typeof sharedEthers) {
  async function deployWithRoles() {
    const [admin, manufacturer, distributor, pharmacy, regulator, anchorer, stranger, otherManufacturer, otherPharmacy] =
      await ethers.getSigners();
    const chain = await ethers.deployContract("SupplyChain", [admin.address]);
    const grants: [string, { address: string }][] = [
      [await chain.MANUFACTURER_ROLE(), manufacturer],
      [await chain.MANUFACTURER_ROLE(), otherManufacturer],
      [await chain.DISTRIBUTOR_ROLE(), distributor],
      [await chain.PHARMACY_ROLE(), pharmacy],
      [await chain.PHARMACY_ROLE(), otherPharmacy],
      [await chain.REGULATOR_ROLE(), regulator],
      [await chain.ANCHORER_ROLE(), anchorer],
      [await chain.REGISTRY_ROLE(), admin],
      [await chain.PAUSER_ROLE(), regulator],
    ];
    for (const [role, account] of grants) await (await chain.grantRole(role, account.address)).wait();
    return { chain, admin, manufacturer, distributor, pharmacy, regulator, anchorer, stranger, otherManufacturer, otherPharmacy };
  }

  async function withLot() {
    const f = await deployWithRoles();
    await (await f.chain.assignGtin(GTIN, f.manufacturer.address)).wait();
    await (await f.chain.connect(f.manufacturer).registerGtin(GTIN, "Aspirin 100mg tablets")).wait();
    await (await f.chain.connect(f.manufacturer).registerLot(GTIN, lk(LOT), EXPIRY)).wait();
    return { ...f, lotId: 1n };
  }

  async function withPack() {
    const f = await withLot();
    await (await f.chain.connect(f.manufacturer).commissionPack(f.lotId, pk("SN001"))).wait();
    const packId = pk("SN001");
    return { ...f, packId };
  }

    /** A pack that went manufacturer -> distributor -> pharmacy and sits received at the pharmacy. */
  async function atPharmacy() {
    const f = await withPack();
    await (await f.chain.connect(f.manufacturer).ship(f.packId, f.distributor.address)).wait();
    await (await f.chain.connect(f.distributor).receivePack(f.packId)).wait();
    await (await f.chain.connect(f.distributor).ship(f.packId, f.pharmacy.address)).wait();
    await (await f.chain.connect(f.pharmacy).receivePack(f.packId)).wait();
    return f;
  }

  return { deployWithRoles, withLot, withPack, atPharmacy };
}

const { deployWithRoles, withLot, withPack, atPharmacy } = fixturesOn(sharedEthers);

/**
 * Tests that move the clock past the lots' expiry run on a chain of their own: on the shared
 * chain, fixtures that loadFixture re-runs later would then register already-expired lots.
 */
async function onFreshChain() {
  const connection = await network.create();
  return { ...fixturesOn(connection.ethers), time: connection.networkHelpers.time };
}

describe("SupplyChain", function () {
  describe("assignGtin", function () {
    it("assigns a GTIN to a manufacturer and emits GtinAssigned", async function () {
      const { chain, admin, manufacturer } = await networkHelpers.loadFixture(deployWithRoles);
      await expect(chain.assignGtin(GTIN, manufacturer.address))
        .to.emit(chain, "GtinAssigned")
        .withArgs(GTIN, manufacturer.address, admin.address);
      expect(await chain.gtinAssigneeOf(GTIN)).to.equal(manufacturer.address);
    });

    it("rejects a caller without the registry role, a manufacturer claiming its own GTIN included", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(deployWithRoles);
      await expect(chain.connect(manufacturer).assignGtin(GTIN, manufacturer.address))
        .to.be.revertedWithCustomError(chain, "AccessControlUnauthorizedAccount")
        .withArgs(manufacturer.address, await chain.REGISTRY_ROLE());
      expect(await chain.gtinAssigneeOf(GTIN)).to.equal(ethers.ZeroAddress);
    });

    it("rejects an assignee without the manufacturer role", async function () {
      const { chain, distributor } = await networkHelpers.loadFixture(deployWithRoles);
      await expect(chain.assignGtin(GTIN, distributor.address))
        .to.be.revertedWithCustomError(chain, "NotManufacturer")
        .withArgs(distributor.address);
    });

    it("rejects a second assignment of the same GTIN, naming its assignee", async function () {
      const { chain, manufacturer, otherManufacturer } = await networkHelpers.loadFixture(withLot);
      await expect(chain.assignGtin(GTIN, otherManufacturer.address))
        .to.be.revertedWithCustomError(chain, "GtinAlreadyAssigned")
        .withArgs(GTIN, manufacturer.address);
    });

    it("rejects a GTIN whose check digit is wrong", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(deployWithRoles);
      await expect(chain.assignGtin(9521234543214n, manufacturer.address))
        .to.be.revertedWithCustomError(chain, "GtinCheckDigitInvalid")
        .withArgs(9521234543214n, 3);
    });
  });

  describe("registerGtin", function () {
    it("registers a GTIN for the calling manufacturer and emits GtinRegistered", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(deployWithRoles);
      await (await chain.assignGtin(GTIN, manufacturer.address)).wait();
      await expect(chain.connect(manufacturer).registerGtin(GTIN, "Aspirin 100mg"))
        .to.emit(chain, "GtinRegistered")
        .withArgs(GTIN, manufacturer.address, "Aspirin 100mg");
      const record = await chain.gtinOf(GTIN);
      expect(record.manufacturer).to.equal(manufacturer.address);
      expect(record.withdrawn).to.equal(false);
    });

    it("rejects a caller without the manufacturer role", async function () {
      const { chain, distributor } = await networkHelpers.loadFixture(deployWithRoles);
      await expect(chain.connect(distributor).registerGtin(GTIN, "Aspirin"))
        .to.be.revertedWithCustomError(chain, "AccessControlUnauthorizedAccount")
        .withArgs(distributor.address, await chain.MANUFACTURER_ROLE());
    });

    it("rejects a second registration of the same GTIN", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(manufacturer).registerGtin(GTIN, "Copy"))
        .to.be.revertedWithCustomError(chain, "GtinAlreadyRegistered")
        .withArgs(GTIN, manufacturer.address);
    });

    it("rejects a manufacturer registering a GTIN assigned to another, so no GTIN is first come", async function () {
      const { chain, manufacturer, otherManufacturer } = await networkHelpers.loadFixture(deployWithRoles);
      await (await chain.assignGtin(GTIN, manufacturer.address)).wait();
      await expect(chain.connect(otherManufacturer).registerGtin(GTIN, "Front-run"))
        .to.be.revertedWithCustomError(chain, "GtinNotAssigned")
        .withArgs(GTIN, otherManufacturer.address);
      expect((await chain.gtinOf(GTIN)).manufacturer).to.equal(ethers.ZeroAddress);
    });

    it("rejects a manufacturer registering an unassigned GTIN", async function () {
      const { chain, otherManufacturer } = await networkHelpers.loadFixture(deployWithRoles);
      await expect(chain.connect(otherManufacturer).registerGtin(OTHER_GTIN, "Claimed"))
        .to.be.revertedWithCustomError(chain, "GtinNotAssigned")
        .withArgs(OTHER_GTIN, otherManufacturer.address);
    });

    it("rejects a GTIN whose check digit is wrong, naming the expected digit", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(deployWithRoles);
      await expect(chain.connect(manufacturer).registerGtin(9521234543214n, "Aspirin"))
        .to.be.revertedWithCustomError(chain, "GtinCheckDigitInvalid")
        .withArgs(9521234543214n, 3);
    });

    it("accepts every valid GTIN of the design's test vectors", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(deployWithRoles);
      for (const gtin of [14567815983469n, 350090123456n, 10350090123453n, 614141123452n]) {
        await (await chain.assignGtin(gtin, manufacturer.address)).wait();
        await expect(chain.connect(manufacturer).registerGtin(gtin, "Product")).to.emit(chain, "GtinRegistered");
      }
    });

    it("takes a GTIN whose check digit is 0", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(deployWithRoles);
      await expect(chain.assignGtin(9521234543220n, manufacturer.address)).to.emit(chain, "GtinAssigned");
    });

    it("rejects a zero GTIN and one longer than 14 digits", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(deployWithRoles);
      await expect(chain.connect(manufacturer).registerGtin(0n, "X"))
        .to.be.revertedWithCustomError(chain, "GtinOutOfRange")
        .withArgs(0n);
      await expect(chain.connect(manufacturer).registerGtin(100000000000000n, "X"))
        .to.be.revertedWithCustomError(chain, "GtinOutOfRange")
        .withArgs(100000000000000n);
      // The largest 14-digit number is in range; only its check digit (7, not 9) is wrong.
      await expect(chain.connect(manufacturer).registerGtin(99_999_999_999_999n, "X"))
        .to.be.revertedWithCustomError(chain, "GtinCheckDigitInvalid")
        .withArgs(99_999_999_999_999n, 7);
    });

    it("rejects an empty, an overlong and a non-printable product name", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(deployWithRoles);
      await expect(chain.connect(manufacturer).registerGtin(GTIN, ""))
        .to.be.revertedWithCustomError(chain, "InvalidLength")
        .withArgs(Field.ProductName, 0, 64);
      await expect(chain.connect(manufacturer).registerGtin(GTIN, "x".repeat(65)))
        .to.be.revertedWithCustomError(chain, "InvalidLength")
        .withArgs(Field.ProductName, 65, 64);
      await expect(chain.connect(manufacturer).registerGtin(GTIN, "Aspirin\n"))
        .to.be.revertedWithCustomError(chain, "InvalidCharacter")
        .withArgs(Field.ProductName, 7);
    });

    it("takes printable ASCII from space to tilde and up to 64 characters, nothing else", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(deployWithRoles);
      await (await chain.assignGtin(GTIN, manufacturer.address)).wait();
      for (const [name, at] of [["Aspirin\x7f", 7], ["Aspirin\x1f", 7], ["Asp\u00e9", 3], ["\tAspirin", 0]] as const) {
        await expect(chain.connect(manufacturer).registerGtin(GTIN, name))
          .to.be.revertedWithCustomError(chain, "InvalidCharacter")
          .withArgs(Field.ProductName, at);
      }
      const name = ` ~${"x".repeat(62)}`;
      await expect(chain.connect(manufacturer).registerGtin(GTIN, name))
        .to.emit(chain, "GtinRegistered")
        .withArgs(GTIN, manufacturer.address, name);
    });
  });

  describe("registerLot", function () {
    it("registers a lot with its expiry and returns increasing ids", async function () {
      const { chain, manufacturer, lotId } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(manufacturer).registerLot(GTIN, lk("LOT2026B"), 300200))
        .to.emit(chain, "LotRegistered")
        .withArgs(lotId + 1n, GTIN, lk("LOT2026B"));
      const lot = await chain.lotOf(lotId + 1n);
      expect(lot.manufacturer).to.equal(manufacturer.address);
      expect(lot.gtin).to.equal(GTIN);
      expect(lot.state).to.equal(LotState.Active);
      // Day 00 means the last day of the month: February 2030 has 28 days.
      expect(lot.expiryDay).to.equal(Date.UTC(2030, 1, 28) / 86_400_000);
      expect(await chain.lotIdOf(lk("LOT2026B"))).to.equal(lotId + 1n);
      expect((await chain.gtinOf(GTIN)).lotCount).to.equal(2n);
    });

    it("rejects a manufacturer that did not register the GTIN", async function () {
      const { chain, otherManufacturer } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(otherManufacturer).registerLot(GTIN, lk("X1"), EXPIRY))
        .to.be.revertedWithCustomError(chain, "NotGtinManufacturer")
        .withArgs(GTIN, otherManufacturer.address);
    });

    it("rejects a caller without the manufacturer role", async function () {
      const { chain, stranger } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(stranger).registerLot(GTIN, lk("X1"), EXPIRY)).to.be.revertedWithCustomError(
        chain,
        "AccessControlUnauthorizedAccount",
      );
    });

    it("rejects an unregistered GTIN", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(manufacturer).registerLot(OTHER_GTIN, lk("X1", OTHER_GTIN), EXPIRY))
        .to.be.revertedWithCustomError(chain, "GtinNotRegistered")
        .withArgs(OTHER_GTIN);
    });

    it("rejects the same lot number twice for one GTIN", async function () {
      const { chain, manufacturer, lotId } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(manufacturer).registerLot(GTIN, lk(LOT), EXPIRY))
        .to.be.revertedWithCustomError(chain, "LotAlreadyRegistered")
        .withArgs(GTIN, lotId);
    });

    it("rejects a zero lot commitment", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(manufacturer).registerLot(GTIN, ethers.ZeroHash, EXPIRY)).to.be.revertedWithCustomError(
        chain,
        "InvalidCommitment",
      );
    });

    it("rejects expiries that are not YYMMDD dates", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(withLot);
      for (const bad of [301301, 300001, 300230, 290229, 1_000_101]) {
        await expect(chain.connect(manufacturer).registerLot(GTIN, lk(`L${bad}`), bad))
          .to.be.revertedWithCustomError(chain, "InvalidExpiry")
          .withArgs(bad);
      }
      // 2028 is a leap year, so 29 February exists.
      await expect(chain.connect(manufacturer).registerLot(GTIN, lk("LEAP"), 280229)).to.emit(chain, "LotRegistered");
      await expect(chain.connect(manufacturer).registerLot(GTIN, lk("APRIL"), 300430)).to.emit(chain, "LotRegistered");
    });

    it("stores each expiry as its day since 1970: month ends, leap days, day 00, the century's last day", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(withLot);
      const dates: [number, number, number, number][] = [
        // [YYMMDD, year, month, day it stands for]
        [270228, 2027, 2, 28], [270301, 2027, 3, 1], [280229, 2028, 2, 29], [280301, 2028, 3, 1],
        [300131, 2030, 1, 31], [300228, 2030, 2, 28], [300331, 2030, 3, 31], [300430, 2030, 4, 30],
        [300531, 2030, 5, 31], [300630, 2030, 6, 30], [300731, 2030, 7, 31], [300831, 2030, 8, 31],
        [300930, 2030, 9, 30], [301031, 2030, 10, 31], [301130, 2030, 11, 30], [301231, 2030, 12, 31],
        [280200, 2028, 2, 29], [300200, 2030, 2, 28], [300400, 2030, 4, 30], [301100, 2030, 11, 30],
        [960229, 2096, 2, 29], [991231, 2099, 12, 31],
      ];
      for (const [expiry, year, month, day] of dates) {
        const lotKey = lk(`D${expiry}`);
        await (await chain.connect(manufacturer).registerLot(GTIN, lotKey, expiry)).wait();
        const lot = await chain.lotOf(await chain.lotIdOf(lotKey));
        expect(lot.expiryDay, `expiry ${expiry}`).to.equal(BigInt(Date.UTC(year, month - 1, day) / 86_400_000));
      }
      // A 31-day month has no 32nd, a 30-day month no 31st; only leap years have 29 February.
      for (const bad of [300132, 300431, 300631, 300931, 301131, 270229, 320230]) {
        await expect(chain.connect(manufacturer).registerLot(GTIN, lk(`B${bad}`), bad))
          .to.be.revertedWithCustomError(chain, "InvalidExpiry")
          .withArgs(bad);
      }
      // 2000, 2004 and 2020 were leap years: their 29 February is a date, only a past one.
      for (const past of [229, 40229, 200229]) {
        await expect(chain.connect(manufacturer).registerLot(GTIN, lk(`P${past}`), past))
          .to.be.revertedWithCustomError(chain, "LotExpired")
          .withArgs(GTIN, past);
      }
      await expect(chain.connect(manufacturer).registerLot(GTIN, lk("P230"), 230))
        .to.be.revertedWithCustomError(chain, "InvalidExpiry")
        .withArgs(230);
    });

    it("rejects an expiry already in the past", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(manufacturer).registerLot(GTIN, lk("OLD"), 200131))
        .to.be.revertedWithCustomError(chain, "LotExpired")
        .withArgs(GTIN, 200131);
    });

    it("rejects a lot of a withdrawn GTIN", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(withLot);
      await (await chain.connect(manufacturer).withdrawGtin(GTIN)).wait();
      await expect(chain.connect(manufacturer).registerLot(GTIN, lk("NEW"), EXPIRY))
        .to.be.revertedWithCustomError(chain, "GtinAlreadyWithdrawn")
        .withArgs(GTIN);
    });
  });

  describe("commissionPack", function () {
    it("commissions a pack held by the manufacturer with the lot's expiry", async function () {
      const { chain, manufacturer, lotId } = await networkHelpers.loadFixture(withLot);
      const packId = pk("SN8X4K2Q9");
      expect(await chain.packIdOf(GTIN, "SN8X4K2Q9", LOT, EXPIRY)).to.equal(packId);
      await expect(chain.connect(manufacturer).commissionPack(lotId, pk("SN8X4K2Q9")))
        .to.emit(chain, "PackCommissioned")
        .withArgs(packId, lotId);
      const pack = await chain.packOf(packId);
      expect(pack.holder).to.equal(manufacturer.address);
      expect(pack.lotId).to.equal(lotId);
      expect(pack.status).to.equal(Status.Commissioned);
      expect(pack.expiryDay).to.equal(EXPIRY_DAY);
    });

    it("rejects a duplicate GTIN and serial", async function () {
      const { chain, manufacturer, lotId, packId } = await networkHelpers.loadFixture(withPack);
      await expect(chain.connect(manufacturer).commissionPack(lotId, pk("SN001")))
        .to.be.revertedWithCustomError(chain, "PackAlreadyCommissioned")
        .withArgs(packId);
    });

    it("rejects a manufacturer that does not own the lot", async function () {
      const { chain, otherManufacturer, lotId } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(otherManufacturer).commissionPack(lotId, pk("SN1")))
        .to.be.revertedWithCustomError(chain, "NotLotManufacturer")
        .withArgs(lotId, otherManufacturer.address);
    });

    it("rejects a caller without the manufacturer role", async function () {
      const { chain, distributor, lotId } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(distributor).commissionPack(lotId, pk("SN1"))).to.be.revertedWithCustomError(
        chain,
        "AccessControlUnauthorizedAccount",
      );
    });

    it("rejects an unknown lot", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(manufacturer).commissionPack(99, pk("SN1")))
        .to.be.revertedWithCustomError(chain, "LotNotRegistered")
        .withArgs(99);
    });

    it("rejects a recalled lot and an expired lot", async function () {
      const fresh = await onFreshChain();
      const { chain, manufacturer, lotId } = await fresh.withLot();
      await (await chain.connect(manufacturer).registerLot(GTIN, lk("SHORT"), 301130)).wait();
      await (await chain.connect(manufacturer).recallLot(lotId)).wait();
      await expect(chain.connect(manufacturer).commissionPack(lotId, pk("SN1")))
        .to.be.revertedWithCustomError(chain, "LotNotActive")
        .withArgs(lotId, LotState.Recalled);
      // The lot's expiry day (30 Nov) still takes packs; the day after does not.
      await fresh.time.increaseTo(Date.UTC(2030, 10, 30, 23, 59) / 1000);
      await expect(chain.connect(manufacturer).commissionPack(lotId + 1n, pk("SN0", "SHORT", 301130))).to.emit(chain, "PackCommissioned");
      await fresh.time.increaseTo(Date.UTC(2030, 11, 1) / 1000);
      await expect(chain.connect(manufacturer).commissionPack(lotId + 1n, pk("SN1")))
        .to.be.revertedWithCustomError(chain, "LotExpired")
        .withArgs(GTIN, 301130);
    });

    it("rejects a zero pack commitment, alone or in a batch", async function () {
      const { chain, manufacturer, lotId } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(manufacturer).commissionPack(lotId, ethers.ZeroHash)).to.be.revertedWithCustomError(
        chain,
        "InvalidCommitment",
      );
      await expect(
        chain.connect(manufacturer).commissionPacks(lotId, [pk("Z1"), ethers.ZeroHash]),
      ).to.be.revertedWithCustomError(chain, "InvalidCommitment");
    });
  });

  describe("commissionPacks", function () {
    it("commissions every serial of a batch", async function () {
      const { chain, manufacturer, lotId } = await networkHelpers.loadFixture(withLot);
      const serials = ["A1", "A2", "A3"];
      const tx = chain.connect(manufacturer).commissionPacks(lotId, serials.map((s) => pk(s)));
      for (const serial of serials) {
        await expect(tx)
          .to.emit(chain, "PackCommissioned")
          .withArgs(pk(serial), lotId);
      }
    });

    it("commissions nothing when one serial of the batch is a duplicate", async function () {
      const { chain, manufacturer, lotId, packId } = await networkHelpers.loadFixture(withPack);
      await expect(chain.connect(manufacturer).commissionPacks(lotId, ["B1", "SN001"].map((s) => pk(s))))
        .to.be.revertedWithCustomError(chain, "PackAlreadyCommissioned")
        .withArgs(packId);
      expect((await chain.packOf(pk("B1"))).status).to.equal(Status.None);
    });

    it("rejects an empty batch and one above MAX_BATCH", async function () {
      const { chain, manufacturer, lotId } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(manufacturer).commissionPacks(lotId, [].map((s) => pk(s))))
        .to.be.revertedWithCustomError(chain, "InvalidBatchSize")
        .withArgs(0, 500);
      const tooMany = Array.from({ length: 501 }, (_, i) => `S${i}`);
      await expect(chain.connect(manufacturer).commissionPacks(lotId, tooMany.map((s) => pk(s))))
        .to.be.revertedWithCustomError(chain, "InvalidBatchSize")
        .withArgs(501, 500);
    });

    it("rejects a caller without the manufacturer role", async function () {
      const { chain, pharmacy, lotId } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(pharmacy).commissionPacks(lotId, ["C1"].map((s) => pk(s)))).to.be.revertedWithCustomError(
        chain,
        "AccessControlUnauthorizedAccount",
      );
    });
  });

  describe("ship and receive", function () {
    it("hands custody to exactly the consignee, whatever bits the shipper's address has", async function () {
      // Addresses of both parities on each side: a ship keeps the pack's other fields, never the old holder's bits.
      const { chain, manufacturer, distributor, pharmacy, otherPharmacy, packId } = await networkHelpers.loadFixture(withPack);
      const route = [manufacturer, distributor, otherPharmacy, pharmacy, otherPharmacy];
      for (let i = 1; i < route.length; ++i) {
        await (await chain.connect(route[i - 1]).ship(packId, route[i].address)).wait();
        expect((await chain.packOf(packId)).holder).to.equal(route[i].address);
        await (await chain.connect(route[i]).receivePack(packId)).wait();
        const pack = await chain.packOf(packId);
        expect([pack.holder, pack.status, pack.lotId, pack.expiryDay]).to.deep.equal([route[i].address, BigInt(Status.Received), 1n, BigInt(EXPIRY_DAY)]);
      }
    });

    it("ships to the named consignee, who alone receives it", async function () {
      const { chain, manufacturer, distributor, packId } = await networkHelpers.loadFixture(withPack);
      await expect(chain.connect(manufacturer).ship(packId, distributor.address))
        .to.emit(chain, "PackShipped")
        .withArgs(packId);
      let pack = await chain.packOf(packId);
      expect(pack.status).to.equal(Status.InTransit);
      expect(pack.holder).to.equal(distributor.address);

      await expect(chain.connect(distributor).receivePack(packId)).to.emit(chain, "PackReceived").withArgs(packId);
      pack = await chain.packOf(packId);
      expect(pack.status).to.equal(Status.Received);
      expect(pack.holder).to.equal(distributor.address);
    });

    it("rejects a ship by anyone but the holder", async function () {
      const { chain, distributor, pharmacy, packId } = await networkHelpers.loadFixture(withPack);
      await expect(chain.connect(distributor).ship(packId, pharmacy.address))
        .to.be.revertedWithCustomError(chain, "NotPackHolder")
        .withArgs(packId, distributor.address);
    });

    it("rejects a consignee that is not a trading partner", async function () {
      const { chain, manufacturer, stranger, regulator, packId } = await networkHelpers.loadFixture(withPack);
      for (const consignee of [stranger, regulator]) {
        await expect(chain.connect(manufacturer).ship(packId, consignee.address))
          .to.be.revertedWithCustomError(chain, "NotTradingPartner")
          .withArgs(consignee.address);
      }
    });

    it("rejects a shipment to the holder itself", async function () {
      const { chain, manufacturer, packId } = await networkHelpers.loadFixture(withPack);
      await expect(chain.connect(manufacturer).ship(packId, manufacturer.address))
        .to.be.revertedWithCustomError(chain, "ShipmentToSelf")
        .withArgs(packId);
    });

    it("rejects shipping an unknown pack", async function () {
      const { chain, manufacturer, distributor } = await networkHelpers.loadFixture(withPack);
      const unknown = ethers.id("nope");
      await expect(chain.connect(manufacturer).ship(unknown, distributor.address))
        .to.be.revertedWithCustomError(chain, "PackNotFound")
        .withArgs(unknown);
      await expect(chain.connect(distributor).receivePack(unknown))
        .to.be.revertedWithCustomError(chain, "PackNotFound")
        .withArgs(unknown);
    });

    it("rejects shipping a pack again before it is received", async function () {
      const { chain, manufacturer, distributor, pharmacy, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).ship(packId, distributor.address)).wait();
      await expect(chain.connect(manufacturer).ship(packId, pharmacy.address))
        .to.be.revertedWithCustomError(chain, "NotPackHolder")
        .withArgs(packId, manufacturer.address);
      await expect(chain.connect(distributor).ship(packId, pharmacy.address))
        .to.be.revertedWithCustomError(chain, "InvalidTransition")
        .withArgs(packId, Status.InTransit, Status.InTransit);
    });

    it("rejects a receive by anyone but the consignee", async function () {
      const { chain, manufacturer, distributor, pharmacy, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).ship(packId, distributor.address)).wait();
      await expect(chain.connect(pharmacy).receivePack(packId))
        .to.be.revertedWithCustomError(chain, "NotConsignee")
        .withArgs(packId, pharmacy.address);
    });

    it("rejects a repeated receive and a receive of a pack never shipped", async function () {
      const { chain, manufacturer, distributor, packId } = await networkHelpers.loadFixture(withPack);
      await expect(chain.connect(manufacturer).receivePack(packId))
        .to.be.revertedWithCustomError(chain, "InvalidTransition")
        .withArgs(packId, Status.Commissioned, Status.Received);
      await (await chain.connect(manufacturer).ship(packId, distributor.address)).wait();
      await (await chain.connect(distributor).receivePack(packId)).wait();
      await expect(chain.connect(distributor).receivePack(packId))
        .to.be.revertedWithCustomError(chain, "InvalidTransition")
        .withArgs(packId, Status.Received, Status.Received);
    });

    it("ships onward from received and back upstream", async function () {
      const { chain, pharmacy, distributor, packId } = await networkHelpers.loadFixture(atPharmacy);
      await expect(chain.connect(pharmacy).ship(packId, distributor.address))
        .to.emit(chain, "PackShipped")
        .withArgs(packId);
    });

    it("refuses to ship a pack of a recalled lot, even one commissioned before the recall", async function () {
      const { chain, manufacturer, distributor, regulator, lotId, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(regulator).recallLot(lotId)).wait();
      await expect(chain.connect(manufacturer).ship(packId, distributor.address))
        .to.be.revertedWithCustomError(chain, "PackBlocked")
        .withArgs(packId, Reason.Recalled);
    });

    it("still ships packs of other lots after a recall elsewhere", async function () {
      const { chain, manufacturer, distributor, lotId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).registerLot(GTIN, lk("OTHER"), EXPIRY)).wait();
      await (await chain.connect(manufacturer).commissionPack(lotId + 1n, pk("OK1"))).wait();
      await (await chain.connect(manufacturer).recallLot(lotId)).wait();
      const ok = pk("OK1");
      await expect(chain.connect(manufacturer).ship(ok, distributor.address)).to.emit(chain, "PackShipped");
      expect((await chain.packOf(ok)).recallEpoch).to.equal(1n);
    });

    it("refuses to ship a pack of a withdrawn GTIN", async function () {
      const { chain, manufacturer, distributor, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).withdrawGtin(GTIN)).wait();
      await expect(chain.connect(manufacturer).ship(packId, distributor.address))
        .to.be.revertedWithCustomError(chain, "PackBlocked")
        .withArgs(packId, Reason.Withdrawn);
    });

    it("ships and verifies a pack on its expiry day, and refuses to ship it the day after", async function () {
      const fresh = await onFreshChain();
      const { chain, manufacturer, distributor, packId } = await fresh.withPack();
      await fresh.time.increaseTo(Date.UTC(2030, 11, 31, 23, 59) / 1000);
      await expect(chain.connect(manufacturer).ship(packId, distributor.address)).to.emit(chain, "PackShipped");
      await (await chain.connect(distributor).receivePack(packId)).wait();
      expect(await chain.verify(GTIN, "SN001", LOT, EXPIRY)).to.deep.equal([true, BigInt(Reason.None)]);
      await fresh.time.increaseTo(Date.UTC(2031, 0, 1) / 1000);
      await expect(chain.connect(distributor).ship(packId, manufacturer.address))
        .to.be.revertedWithCustomError(chain, "PackBlocked")
        .withArgs(packId, Reason.Expired);
    });

    it("ships and receives batches all or nothing", async function () {
      const { chain, manufacturer, distributor, lotId } = await networkHelpers.loadFixture(withLot);
      await (await chain.connect(manufacturer).commissionPacks(lotId, ["P1", "P2"].map((s) => pk(s)))).wait();
      const ids = [pk("P1"), pk("P2")];
      await expect(chain.connect(manufacturer).shipBatch([ids[0]!, ids[0]!], distributor.address))
        .to.be.revertedWithCustomError(chain, "NotPackHolder")
        .withArgs(ids[0], manufacturer.address);
      expect((await chain.packOf(ids[0]!)).status).to.equal(Status.Commissioned);
      await expect(chain.connect(manufacturer).shipBatch(ids, distributor.address)).to.emit(chain, "PackShipped");
      await expect(chain.connect(distributor).receiveBatch(ids)).to.emit(chain, "PackReceived");
      for (const id of ids) expect((await chain.packOf(id)).status).to.equal(Status.Received);
      await expect(chain.connect(distributor).shipBatch([], manufacturer.address)).to.be.revertedWithCustomError(
        chain,
        "InvalidBatchSize",
      );
      await expect(chain.connect(distributor).receiveBatch([])).to.be.revertedWithCustomError(
        chain,
        "InvalidBatchSize",
      );
      await expect(chain.connect(distributor).shipBatch(ids, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(chain, "NotTradingPartner")
        .withArgs(ethers.ZeroAddress);
    });

    it("rejects a batch receive by anyone but the consignee, receiving none of it", async function () {
      const { chain, manufacturer, distributor, pharmacy, lotId } = await networkHelpers.loadFixture(withLot);
      await (await chain.connect(manufacturer).commissionPacks(lotId, ["R1", "R2"].map((s) => pk(s)))).wait();
      const ids = [pk("R1"), pk("R2")];
      await (await chain.connect(manufacturer).shipBatch(ids, distributor.address)).wait();
      await expect(chain.connect(pharmacy).receiveBatch(ids))
        .to.be.revertedWithCustomError(chain, "NotConsignee")
        .withArgs(ids[0], pharmacy.address);
      await expect(chain.connect(distributor).receiveBatch([ids[1]!, ids[1]!]))
        .to.be.revertedWithCustomError(chain, "InvalidTransition")
        .withArgs(ids[1], Status.Received, Status.Received);
      for (const id of ids) expect((await chain.packOf(id)).status).to.equal(Status.InTransit);
    });
  });

  describe("dispense", function () {
    it("decommissions a received pack at the pharmacy holding it", async function () {
      const { chain, pharmacy, packId } = await networkHelpers.loadFixture(atPharmacy);
      expect(await chain.connect(pharmacy).dispense.staticCall(packId)).to.equal(true);
      await expect(chain.connect(pharmacy).dispense(packId))
        .to.emit(chain, "PackDispensed")
        .withArgs(packId);
      expect((await chain.packOf(packId)).status).to.equal(Status.Dispensed);
    });

    it("raises an already-inactive alert on a second dispense by the same pharmacy", async function () {
      const { chain, pharmacy, packId } = await networkHelpers.loadFixture(atPharmacy);
      await (await chain.connect(pharmacy).dispense(packId)).wait();
      expect(await chain.connect(pharmacy).dispense.staticCall(packId)).to.equal(false);
      await expect(chain.connect(pharmacy).dispense(packId))
        .to.emit(chain, "DecommissionAlerted")
        .withArgs(packId, false);
      expect((await chain.packOf(packId)).flags).to.equal(0n);
    });

    it("marks the pack suspect when another pharmacy dispenses it again", async function () {
      const { chain, pharmacy, otherPharmacy, packId } = await networkHelpers.loadFixture(atPharmacy);
      await (await chain.connect(pharmacy).dispense(packId)).wait();
      await expect(chain.connect(otherPharmacy).dispense(packId))
        .to.emit(chain, "DecommissionAlerted")
        .withArgs(packId, true);
      expect((await chain.packOf(packId)).flags).to.equal(1n << BigInt(Flag.Suspect));
    });

    it("rejects a caller without the pharmacy role", async function () {
      const { chain, distributor, packId } = await networkHelpers.loadFixture(atPharmacy);
      await expect(chain.connect(distributor).dispense(packId))
        .to.be.revertedWithCustomError(chain, "AccessControlUnauthorizedAccount")
        .withArgs(distributor.address, await chain.PHARMACY_ROLE());
    });

    it("rejects a pharmacy that does not hold the pack", async function () {
      const { chain, otherPharmacy, packId } = await networkHelpers.loadFixture(atPharmacy);
      await expect(chain.connect(otherPharmacy).dispense(packId))
        .to.be.revertedWithCustomError(chain, "NotPackHolder")
        .withArgs(packId, otherPharmacy.address);
    });

    it("rejects dispensing a pack still in transit", async function () {
      const { chain, manufacturer, pharmacy, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).ship(packId, pharmacy.address)).wait();
      await expect(chain.connect(pharmacy).dispense(packId))
        .to.be.revertedWithCustomError(chain, "InvalidTransition")
        .withArgs(packId, Status.InTransit, Status.Dispensed);
    });

    it("rejects dispensing an unknown pack", async function () {
      const { chain, pharmacy } = await networkHelpers.loadFixture(atPharmacy);
      await expect(chain.connect(pharmacy).dispense(ethers.ZeroHash))
        .to.be.revertedWithCustomError(chain, "PackNotFound")
        .withArgs(ethers.ZeroHash);
    });

    it("refuses to dispense a recalled pack, naming the reason", async function () {
      const { chain, pharmacy, manufacturer, lotId, packId } = await networkHelpers.loadFixture(atPharmacy);
      await (await chain.connect(manufacturer).recallLot(lotId)).wait();
      await expect(chain.connect(pharmacy).dispense(packId))
        .to.be.revertedWithCustomError(chain, "PackBlocked")
        .withArgs(packId, Reason.Recalled);
    });
  });

  describe("decommission", function () {
    it("decommissions a pack at rest for each EU reason, naming the reason", async function () {
      const { chain, distributor, manufacturer, lotId } = await networkHelpers.loadFixture(withLot);
      const reasons = [Status.Exported, Status.CheckedOut, Status.Sample, Status.Locked, Status.Destroyed, Status.Stolen];
      for (const [i, reason] of reasons.entries()) {
        const packId = pk(`SNDEC${i}`);
        await (await chain.connect(manufacturer).commissionPack(lotId, packId)).wait();
        await (await chain.connect(manufacturer).ship(packId, distributor.address)).wait();
        await (await chain.connect(distributor).receivePack(packId)).wait();
        expect(await chain.connect(distributor).decommission.staticCall(packId, reason)).to.equal(true);
        await expect(chain.connect(distributor).decommission(packId, reason))
          .to.emit(chain, "PackDecommissioned")
          .withArgs(packId, reason);
        const pack = await chain.packOf(packId);
        expect([pack.status, pack.holder, pack.flags]).to.deep.equal([BigInt(reason), distributor.address, 0n]);
        const block = await ethers.provider.getBlock("latest");
        expect(await chain.decommissionOf(packId)).to.deep.equal([BigInt(reason), BigInt(Status.Received), distributor.address, BigInt(block!.timestamp)]);
        expect(await chain.verify(GTIN, `SNDEC${i}`, LOT, EXPIRY)).to.deep.equal([false, BigInt(Reason.AlreadyDecommissioned)]);
      }
    });

    it("lets only a manufacturer hand out a free sample", async function () {
      const { chain, manufacturer, pharmacy, lotId, packId } = await networkHelpers.loadFixture(atPharmacy);
      await expect(chain.connect(pharmacy).decommission(packId, Status.FreeSample))
        .to.be.revertedWithCustomError(chain, "NotManufacturer")
        .withArgs(pharmacy.address);
      const sample = pk("SNFREE");
      await (await chain.connect(manufacturer).commissionPack(lotId, sample)).wait();
      await expect(chain.connect(manufacturer).decommission(sample, Status.FreeSample))
        .to.emit(chain, "PackDecommissioned")
        .withArgs(sample, Status.FreeSample);
      const [status, previous, by] = await chain.decommissionOf(sample);
      expect([status, previous, by]).to.deep.equal([BigInt(Status.FreeSample), BigInt(Status.Commissioned), manufacturer.address]);
    });

    it("rejects Dispensed and None as decommission reasons", async function () {
      const { chain, manufacturer, packId } = await networkHelpers.loadFixture(withPack);
      for (const reason of [Status.None, Status.Commissioned, Status.Received, Status.Dispensed]) {
        await expect(chain.connect(manufacturer).decommission(packId, reason))
          .to.be.revertedWithCustomError(chain, "InvalidDecommissionReason")
          .withArgs(reason);
      }
    });

    it("rejects a caller that is no trading partner, or does not hold the pack", async function () {
      const { chain, regulator, distributor, packId } = await networkHelpers.loadFixture(withPack);
      await expect(chain.connect(regulator).decommission(packId, Status.Destroyed))
        .to.be.revertedWithCustomError(chain, "NotTradingPartner")
        .withArgs(regulator.address);
      await expect(chain.connect(distributor).decommission(packId, Status.Destroyed))
        .to.be.revertedWithCustomError(chain, "NotPackHolder")
        .withArgs(packId, distributor.address);
      await expect(chain.connect(distributor).decommission(ethers.id("no pack"), Status.Destroyed))
        .to.be.revertedWithCustomError(chain, "PackNotFound")
        .withArgs(ethers.id("no pack"));
    });

    it("rejects decommissioning a pack in transit", async function () {
      const { chain, manufacturer, distributor, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).ship(packId, distributor.address)).wait();
      await expect(chain.connect(distributor).decommission(packId, Status.Stolen))
        .to.be.revertedWithCustomError(chain, "InvalidTransition")
        .withArgs(packId, Status.InTransit, Status.Stolen);
    });

    it("destroys a recalled or held pack: a block on moving is none on destroying", async function () {
      const { chain, manufacturer, regulator, lotId, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(regulator).placeColdChainHold([packId], ethers.ZeroHash)).wait();
      await (await chain.connect(manufacturer).recallLot(lotId)).wait();
      await expect(chain.connect(manufacturer).decommission(packId, Status.Destroyed)).to.emit(chain, "PackDecommissioned");
      expect((await chain.packOf(packId)).flags).to.equal(1n << BigInt(Flag.ColdChainHold));
    });

    it("raises an already-inactive alert on a second decommission, Suspect from another account", async function () {
      const { chain, pharmacy, distributor, packId } = await networkHelpers.loadFixture(atPharmacy);
      await (await chain.connect(pharmacy).decommission(packId, Status.Locked)).wait();
      expect(await chain.connect(pharmacy).decommission.staticCall(packId, Status.Destroyed)).to.equal(false);
      await expect(chain.connect(pharmacy).decommission(packId, Status.Destroyed))
        .to.emit(chain, "DecommissionAlerted")
        .withArgs(packId, false);
      await expect(chain.connect(distributor).decommission(packId, Status.Exported))
        .to.emit(chain, "DecommissionAlerted")
        .withArgs(packId, true);
      const pack = await chain.packOf(packId);
      expect([pack.status, pack.flags]).to.deep.equal([BigInt(Status.Locked), 1n << BigInt(Flag.Suspect)]);
      // The Suspect mark keeps what an undo restores.
      expect((await chain.decommissionOf(packId))[1]).to.equal(BigInt(Status.Received));
    });

    it("never lets the holder receive a decommissioned pack back into the supply", async function () {
      // Found by invariant_frozenPacksNeverMove: a receive must not pass for an undo.
      const { chain, pharmacy, packId } = await networkHelpers.loadFixture(atPharmacy);
      await (await chain.connect(pharmacy).decommission(packId, Status.Exported)).wait();
      await expect(chain.connect(pharmacy).receivePack(packId))
        .to.be.revertedWithCustomError(chain, "InvalidTransition")
        .withArgs(packId, Status.Exported, Status.Received);
    });

    it("answers zeros for a pack that is not decommissioned", async function () {
      const { chain, packId } = await networkHelpers.loadFixture(withPack);
      expect(await chain.decommissionOf(packId)).to.deep.equal([BigInt(Status.Commissioned), 0n, ethers.ZeroAddress, 0n]);
    });
  });

  describe("undoDecommission", function () {
    it("returns a dispensed pack to Received at the same pharmacy, which may dispense it again", async function () {
      const { chain, pharmacy, packId } = await networkHelpers.loadFixture(atPharmacy);
      await (await chain.connect(pharmacy).dispense(packId)).wait();
      await expect(chain.connect(pharmacy).undoDecommission(packId))
        .to.emit(chain, "DecommissionUndone")
        .withArgs(packId, Status.Received);
      const pack = await chain.packOf(packId);
      expect([pack.status, pack.holder, pack.flags]).to.deep.equal([BigInt(Status.Received), pharmacy.address, 0n]);
      expect(await chain.verify(GTIN, "SN001", LOT, EXPIRY)).to.deep.equal([true, BigInt(Reason.None)]);
      await expect(chain.connect(pharmacy).dispense(packId)).to.emit(chain, "PackDispensed");
    });

    it("returns a free sample to Commissioned, and the pack ships again", async function () {
      const { chain, manufacturer, distributor, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).decommission(packId, Status.FreeSample)).wait();
      await expect(chain.connect(manufacturer).undoDecommission(packId))
        .to.emit(chain, "DecommissionUndone")
        .withArgs(packId, Status.Commissioned);
      await expect(chain.connect(manufacturer).ship(packId, distributor.address)).to.emit(chain, "PackShipped");
    });

    it("accepts the undo exactly 10 days after, and not a second later", async function () {
      const { chain, pharmacy, packId } = await networkHelpers.loadFixture(atPharmacy);
      await (await chain.connect(pharmacy).decommission(packId, Status.Sample)).wait();
      const at = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      expect(await chain.UNDO_WINDOW()).to.equal(BigInt(UNDO_WINDOW));
      await networkHelpers.time.setNextBlockTimestamp(at + BigInt(UNDO_WINDOW));
      await expect(chain.connect(pharmacy).undoDecommission(packId)).to.emit(chain, "DecommissionUndone");

      await (await chain.connect(pharmacy).decommission(packId, Status.Sample)).wait();
      const again = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      await networkHelpers.time.setNextBlockTimestamp(again + BigInt(UNDO_WINDOW) + 1n);
      await expect(chain.connect(pharmacy).undoDecommission(packId))
        .to.be.revertedWithCustomError(chain, "UndoWindowClosed")
        .withArgs(packId, again + BigInt(UNDO_WINDOW));
    });

    it("refuses an undo by any account but the one that decommissioned", async function () {
      const { chain, pharmacy, otherPharmacy, regulator, packId } = await networkHelpers.loadFixture(atPharmacy);
      await (await chain.connect(pharmacy).dispense(packId)).wait();
      for (const other of [otherPharmacy, regulator]) {
        await expect(chain.connect(other).undoDecommission(packId))
          .to.be.revertedWithCustomError(chain, "NotDecommissioner")
          .withArgs(packId, pharmacy.address, other.address);
      }
    });

    it("refuses an undo by a decommissioner no longer a trading partner", async function () {
      const { chain, admin, pharmacy, packId } = await networkHelpers.loadFixture(atPharmacy);
      await (await chain.connect(pharmacy).dispense(packId)).wait();
      await (await chain.connect(admin).revokeRole(await chain.PHARMACY_ROLE(), pharmacy.address)).wait();
      await expect(chain.connect(pharmacy).undoDecommission(packId))
        .to.be.revertedWithCustomError(chain, "NotTradingPartner")
        .withArgs(pharmacy.address);
    });

    it("never undoes a destroyed or stolen pack", async function () {
      const { chain, manufacturer, lotId } = await networkHelpers.loadFixture(withLot);
      for (const [serial, reason] of [["SNDES", Status.Destroyed], ["SNSTO", Status.Stolen]] as const) {
        const packId = pk(serial);
        await (await chain.connect(manufacturer).commissionPack(lotId, packId)).wait();
        await (await chain.connect(manufacturer).decommission(packId, reason)).wait();
        await expect(chain.connect(manufacturer).undoDecommission(packId))
          .to.be.revertedWithCustomError(chain, "InvalidTransition")
          .withArgs(packId, reason, Status.Commissioned);
      }
    });

    it("refuses to undo what is not decommissioned", async function () {
      const { chain, manufacturer, packId } = await networkHelpers.loadFixture(withPack);
      await expect(chain.connect(manufacturer).undoDecommission(packId))
        .to.be.revertedWithCustomError(chain, "PackNotDecommissioned")
        .withArgs(packId, Status.Commissioned);
      await expect(chain.connect(manufacturer).undoDecommission(ethers.ZeroHash))
        .to.be.revertedWithCustomError(chain, "PackNotFound")
        .withArgs(ethers.ZeroHash);
    });

    it("refuses to undo a recalled or withdrawn pack, naming the reason", async function () {
      const { chain, manufacturer, regulator, lotId, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).decommission(packId, Status.Locked)).wait();
      await (await chain.connect(manufacturer).withdrawGtin(GTIN)).wait();
      await expect(chain.connect(manufacturer).undoDecommission(packId))
        .to.be.revertedWithCustomError(chain, "PackBlocked")
        .withArgs(packId, Reason.Withdrawn);
      await (await chain.connect(regulator).recallLot(lotId)).wait();
      await expect(chain.connect(manufacturer).undoDecommission(packId))
        .to.be.revertedWithCustomError(chain, "PackBlocked")
        .withArgs(packId, Reason.Recalled);
    });

    it("refuses to undo an expired pack", async function () {
      const fresh = await onFreshChain();
      const { chain, manufacturer, packId } = await fresh.withPack();
      await fresh.time.increaseTo(Date.UTC(2030, 11, 31, 12) / 1000);
      await (await chain.connect(manufacturer).decommission(packId, Status.Locked)).wait();
      await fresh.time.increaseTo(Date.UTC(2031, 0, 1) / 1000);
      await expect(chain.connect(manufacturer).undoDecommission(packId))
        .to.be.revertedWithCustomError(chain, "PackBlocked")
        .withArgs(packId, Reason.Expired);
    });

    it("takes the current recall epoch back, so a later recall still stops the pack", async function () {
      const { chain, manufacturer, distributor, lotId, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).decommission(packId, Status.Locked)).wait();
      await (await chain.connect(manufacturer).undoDecommission(packId)).wait();
      await (await chain.connect(manufacturer).recallLot(lotId)).wait();
      await expect(chain.connect(manufacturer).ship(packId, distributor.address))
        .to.be.revertedWithCustomError(chain, "PackBlocked")
        .withArgs(packId, Reason.Recalled);
    });
  });

  describe("recordShipmentException", function () {
    it("records missing and unexpected packs on receipt and moves nothing", async function () {
      const { chain, manufacturer, distributor, lotId } = await networkHelpers.loadFixture(withLot);
      const shipped = ["SNS1", "SNS2", "SNS3"].map((s) => pk(s));
      await (await chain.connect(manufacturer).commissionPacks(lotId, shipped)).wait();
      await (await chain.connect(manufacturer).shipBatch(shipped, distributor.address)).wait();
      const shipmentId = ethers.id("SHIP-2026-0001");
      const unexpected = [pk("SNFOREIGN"), pk("SNS1", "OTHERLOT")];
      await expect(chain.connect(distributor).recordShipmentException(shipmentId, [shipped[2]], unexpected, ethers.id("report")))
        .to.emit(chain, "ShipmentExceptionRecorded")
        .withArgs(shipmentId, [shipped[2]], unexpected, ethers.id("report"));
      const at = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      expect(await chain.shipmentExceptionOf(distributor.address, shipmentId)).to.deep.equal([at, 1n, 2n]);
      expect(await chain.shipmentExceptionOf(manufacturer.address, shipmentId)).to.deep.equal([0n, 0n, 0n]);
      for (const packId of shipped) expect((await chain.packOf(packId)).status).to.equal(Status.InTransit);
      // After a recount the consignee receives what did arrive, and the missing pack later.
      await (await chain.connect(distributor).receiveBatch(shipped)).wait();
    });

    it("replaces the consignee's record of a shipment after a recount", async function () {
      const { chain, distributor } = await networkHelpers.loadFixture(withPack);
      const shipmentId = ethers.id("SHIP-2");
      await (await chain.connect(distributor).recordShipmentException(shipmentId, [], [pk("X1"), pk("X2")], ethers.ZeroHash)).wait();
      await (await chain.connect(distributor).recordShipmentException(shipmentId, [], [pk("X1")], ethers.ZeroHash)).wait();
      expect((await chain.shipmentExceptionOf(distributor.address, shipmentId))[2]).to.equal(1n);
    });

    it("rejects a missing pack that is not in transit to the caller", async function () {
      const { chain, manufacturer, distributor, pharmacy, packId } = await networkHelpers.loadFixture(withPack);
      const shipmentId = ethers.id("SHIP-3");
      await expect(chain.connect(distributor).recordShipmentException(shipmentId, [packId], [], ethers.ZeroHash))
        .to.be.revertedWithCustomError(chain, "InvalidTransition")
        .withArgs(packId, Status.Commissioned, Status.Received);
      await (await chain.connect(manufacturer).ship(packId, pharmacy.address)).wait();
      await expect(chain.connect(distributor).recordShipmentException(shipmentId, [packId], [], ethers.ZeroHash))
        .to.be.revertedWithCustomError(chain, "NotConsignee")
        .withArgs(packId, distributor.address);
      await expect(chain.connect(distributor).recordShipmentException(shipmentId, [ethers.id("none")], [], ethers.ZeroHash))
        .to.be.revertedWithCustomError(chain, "PackNotFound")
        .withArgs(ethers.id("none"));
    });

    it("rejects an unexpected pack that was shipped to the caller, or a zero one", async function () {
      const { chain, manufacturer, distributor, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).ship(packId, distributor.address)).wait();
      const shipmentId = ethers.id("SHIP-4");
      await expect(chain.connect(distributor).recordShipmentException(shipmentId, [], [packId], ethers.ZeroHash))
        .to.be.revertedWithCustomError(chain, "PackExpectedInShipment")
        .withArgs(packId);
      await expect(chain.connect(distributor).recordShipmentException(shipmentId, [], [ethers.ZeroHash], ethers.ZeroHash))
        .to.be.revertedWithCustomError(chain, "InvalidCommitment");
    });

    it("rejects a zero shipment reference, empty or oversized lists and a caller that is no partner", async function () {
      const { chain, distributor, regulator } = await networkHelpers.loadFixture(withPack);
      const shipmentId = ethers.id("SHIP-5");
      await expect(chain.connect(distributor).recordShipmentException(ethers.ZeroHash, [], [pk("X")], ethers.ZeroHash))
        .to.be.revertedWithCustomError(chain, "InvalidShipmentId");
      await expect(chain.connect(distributor).recordShipmentException(shipmentId, [], [], ethers.ZeroHash))
        .to.be.revertedWithCustomError(chain, "InvalidBatchSize")
        .withArgs(0n, 500n);
      const many = Array.from({ length: 501 }, (_, i) => pk(`X${i}`));
      await expect(chain.connect(distributor).recordShipmentException(shipmentId, [], many, ethers.ZeroHash))
        .to.be.revertedWithCustomError(chain, "InvalidBatchSize")
        .withArgs(501n, 500n);
      await expect(chain.connect(regulator).recordShipmentException(shipmentId, [], [pk("X")], ethers.ZeroHash))
        .to.be.revertedWithCustomError(chain, "NotTradingPartner")
        .withArgs(regulator.address);
    });
  });

  describe("recallLot and withdrawGtin", function () {
    it("lets the manufacturer recall its lot once, irreversibly", async function () {
      const { chain, manufacturer, lotId } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(manufacturer).recallLot(lotId))
        .to.emit(chain, "LotRecalled")
        .withArgs(lotId, manufacturer.address);
      expect((await chain.lotOf(lotId)).state).to.equal(LotState.Recalled);
      await expect(chain.connect(manufacturer).recallLot(lotId))
        .to.be.revertedWithCustomError(chain, "LotAlreadyRecalled")
        .withArgs(lotId);
    });

    it("lets a regulator recall any lot", async function () {
      const { chain, regulator, lotId } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(regulator).recallLot(lotId))
        .to.emit(chain, "LotRecalled")
        .withArgs(lotId, regulator.address);
    });

    it("rejects a recall by another manufacturer or a distributor", async function () {
      const { chain, otherManufacturer, distributor, lotId } = await networkHelpers.loadFixture(withLot);
      for (const caller of [otherManufacturer, distributor]) {
        await expect(chain.connect(caller).recallLot(lotId))
          .to.be.revertedWithCustomError(chain, "NotManufacturerOrRegulator")
          .withArgs(caller.address);
      }
    });

    it("rejects a recall of an unknown lot", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(manufacturer).recallLot(7))
        .to.be.revertedWithCustomError(chain, "LotNotRegistered")
        .withArgs(7);
    });

    it("recalls a lot of a withdrawn GTIN, whose packs then verify as recalled", async function () {
      const { chain, manufacturer, regulator, lotId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).withdrawGtin(GTIN)).wait();
      expect(await chain.verify(GTIN, "SN001", LOT, EXPIRY)).to.deep.equal([false, BigInt(Reason.Withdrawn)]);
      await expect(chain.connect(regulator).recallLot(lotId)).to.emit(chain, "LotRecalled").withArgs(lotId, regulator.address);
      expect(await chain.verify(GTIN, "SN001", LOT, EXPIRY)).to.deep.equal([false, BigInt(Reason.Recalled)]);
    });

    it("withdraws a GTIN once and marks its active lots withdrawn, keeping recalls", async function () {
      const { chain, manufacturer, regulator, lotId } = await networkHelpers.loadFixture(withLot);
      await (await chain.connect(manufacturer).registerLot(GTIN, lk("SECOND"), EXPIRY)).wait();
      await (await chain.connect(manufacturer).recallLot(lotId + 1n)).wait();
      await expect(chain.connect(regulator).withdrawGtin(GTIN))
        .to.emit(chain, "GtinWithdrawn")
        .withArgs(GTIN, regulator.address);
      expect((await chain.lotOf(lotId)).state).to.equal(LotState.Withdrawn);
      expect((await chain.lotOf(lotId + 1n)).state).to.equal(LotState.Recalled);
      expect((await chain.gtinOf(GTIN)).withdrawn).to.equal(true);
      await expect(chain.connect(manufacturer).withdrawGtin(GTIN))
        .to.be.revertedWithCustomError(chain, "GtinAlreadyWithdrawn")
        .withArgs(GTIN);
    });

    it("rejects a withdrawal by a non-manufacturer and of an unknown GTIN", async function () {
      const { chain, pharmacy, manufacturer } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(pharmacy).withdrawGtin(GTIN))
        .to.be.revertedWithCustomError(chain, "NotManufacturerOrRegulator")
        .withArgs(pharmacy.address);
      await expect(chain.connect(manufacturer).withdrawGtin(OTHER_GTIN))
        .to.be.revertedWithCustomError(chain, "GtinNotRegistered")
        .withArgs(OTHER_GTIN);
    });
  });

  describe("cold-chain holds and regulator flags", function () {
    it("lets the holder place a hold that blocks movement until the manufacturer releases it", async function () {
      const { chain, manufacturer, distributor, pharmacy, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).ship(packId, distributor.address)).wait();
      await (await chain.connect(distributor).receivePack(packId)).wait();
      const evidence = ethers.sha256(ethers.toUtf8Bytes("logger report"));
      await expect(chain.connect(distributor).placeColdChainHold([packId], evidence))
        .to.emit(chain, "ColdChainHoldPlaced")
        .withArgs(packId, distributor.address, evidence);
      await expect(chain.connect(distributor).ship(packId, pharmacy.address))
        .to.be.revertedWithCustomError(chain, "PackBlocked")
        .withArgs(packId, Reason.ColdChainHold);
      await expect(chain.connect(distributor).placeColdChainHold([packId], evidence))
        .to.be.revertedWithCustomError(chain, "PackAlreadyFlagged")
        .withArgs(packId, Flag.ColdChainHold);
      await expect(chain.connect(distributor).releaseColdChainHold([packId]))
        .to.be.revertedWithCustomError(chain, "NotLotManufacturer")
        .withArgs(1n, distributor.address);
      await expect(chain.connect(manufacturer).releaseColdChainHold([packId]))
        .to.emit(chain, "ColdChainHoldReleased")
        .withArgs(packId, manufacturer.address);
      await expect(chain.connect(manufacturer).releaseColdChainHold([packId]))
        .to.be.revertedWithCustomError(chain, "PackNotFlagged")
        .withArgs(packId, Flag.ColdChainHold);
      await expect(chain.connect(distributor).ship(packId, pharmacy.address)).to.emit(chain, "PackShipped");
    });

    it("lets the manufacturer and a regulator hold packs they do not hold", async function () {
      const { chain, manufacturer, distributor, regulator, lotId } = await networkHelpers.loadFixture(withLot);
      await (await chain.connect(manufacturer).commissionPacks(lotId, ["H1", "H2"].map((s) => pk(s)))).wait();
      const [h1, h2] = [pk("H1"), pk("H2")];
      await (await chain.connect(manufacturer).shipBatch([h1, h2], distributor.address)).wait();
      await expect(chain.connect(manufacturer).placeColdChainHold([h1], ethers.ZeroHash)).to.emit(
        chain,
        "ColdChainHoldPlaced",
      );
      await expect(chain.connect(regulator).placeColdChainHold([h2], ethers.ZeroHash)).to.emit(
        chain,
        "ColdChainHoldPlaced",
      );
    });

    it("rejects a hold by an unrelated account, on a dispensed pack and on an empty list", async function () {
      const { chain, pharmacy, stranger, packId } = await networkHelpers.loadFixture(atPharmacy);
      await expect(chain.connect(stranger).placeColdChainHold([packId], ethers.ZeroHash))
        .to.be.revertedWithCustomError(chain, "NotHoldAuthority")
        .withArgs(packId, stranger.address);
      await (await chain.connect(pharmacy).dispense(packId)).wait();
      await expect(chain.connect(pharmacy).placeColdChainHold([packId], ethers.ZeroHash))
        .to.be.revertedWithCustomError(chain, "PackBlocked")
        .withArgs(packId, Reason.AlreadyDecommissioned);
      await expect(chain.connect(pharmacy).placeColdChainHold([], ethers.ZeroHash)).to.be.revertedWithCustomError(
        chain,
        "InvalidBatchSize",
      );
      await expect(chain.connect(pharmacy).releaseColdChainHold([])).to.be.revertedWithCustomError(
        chain,
        "InvalidBatchSize",
      );
    });

    it("lets a regulator flag a pack once, blocking it", async function () {
      const { chain, regulator, pharmacy, packId } = await networkHelpers.loadFixture(atPharmacy);
      await expect(chain.connect(regulator).flagPack(packId, Flag.Quarantined))
        .to.emit(chain, "PackFlagged")
        .withArgs(packId, Flag.Quarantined, regulator.address);
      await expect(chain.connect(regulator).flagPack(packId, Flag.Quarantined))
        .to.be.revertedWithCustomError(chain, "PackAlreadyFlagged")
        .withArgs(packId, Flag.Quarantined);
      await expect(chain.connect(pharmacy).dispense(packId))
        .to.be.revertedWithCustomError(chain, "PackBlocked")
        .withArgs(packId, Reason.Quarantined);
      await (await chain.connect(regulator).flagPack(packId, Flag.Illegitimate)).wait();
      await expect(chain.connect(pharmacy).dispense(packId))
        .to.be.revertedWithCustomError(chain, "PackBlocked")
        .withArgs(packId, Reason.Illegitimate);
    });

    it("lets a regulator clear a flag it set, once", async function () {
      const { chain, regulator, pharmacy, packId } = await networkHelpers.loadFixture(atPharmacy);
      await (await chain.connect(regulator).flagPack(packId, Flag.Suspect)).wait();
      await expect(chain.connect(regulator).clearPackFlag(packId, Flag.Suspect))
        .to.emit(chain, "PackFlagCleared")
        .withArgs(packId, Flag.Suspect, regulator.address);
      await expect(chain.connect(regulator).clearPackFlag(packId, Flag.Suspect))
        .to.be.revertedWithCustomError(chain, "PackNotFlagged")
        .withArgs(packId, Flag.Suspect);
      await expect(chain.connect(pharmacy).dispense(packId)).to.emit(chain, "PackDispensed");
    });

    it("rejects clearing by a non-regulator, of the hold flag and on unknown packs", async function () {
      const { chain, regulator, pharmacy, packId } = await networkHelpers.loadFixture(atPharmacy);
      await (await chain.connect(regulator).flagPack(packId, Flag.Quarantined)).wait();
      await expect(chain.connect(pharmacy).clearPackFlag(packId, Flag.Quarantined))
        .to.be.revertedWithCustomError(chain, "AccessControlUnauthorizedAccount")
        .withArgs(pharmacy.address, await chain.REGULATOR_ROLE());
      await expect(chain.connect(regulator).clearPackFlag(packId, Flag.ColdChainHold))
        .to.be.revertedWithCustomError(chain, "FlagNotSettableByRegulator")
        .withArgs(Flag.ColdChainHold);
      await expect(chain.connect(regulator).clearPackFlag(ethers.ZeroHash, Flag.Quarantined))
        .to.be.revertedWithCustomError(chain, "PackNotFound")
        .withArgs(ethers.ZeroHash);
    });

    it("rejects flags from non-regulators, the hold flag and unknown packs", async function () {
      const { chain, regulator, manufacturer, packId } = await networkHelpers.loadFixture(withPack);
      await expect(chain.connect(manufacturer).flagPack(packId, Flag.Suspect))
        .to.be.revertedWithCustomError(chain, "AccessControlUnauthorizedAccount")
        .withArgs(manufacturer.address, await chain.REGULATOR_ROLE());
      await expect(chain.connect(regulator).flagPack(packId, Flag.ColdChainHold))
        .to.be.revertedWithCustomError(chain, "FlagNotSettableByRegulator")
        .withArgs(Flag.ColdChainHold);
      await expect(chain.connect(regulator).flagPack(ethers.ZeroHash, Flag.Suspect))
        .to.be.revertedWithCustomError(chain, "PackNotFound")
        .withArgs(ethers.ZeroHash);
    });
  });

  describe("verify", function () {
    it("verifies a pack as printed and answers a wrong lot or expiry as no such pack", async function () {
      const { chain } = await networkHelpers.loadFixture(atPharmacy);
      expect(await chain.verify(GTIN, "SN001", LOT, EXPIRY)).to.deep.equal([true, BigInt(Reason.None)]);
      expect(await chain.verify(GTIN, "SN999", LOT, EXPIRY)).to.deep.equal([false, BigInt(Reason.NoMatchGtinSerial)]);
      expect(await chain.verify(OTHER_GTIN, "SN001", LOT, EXPIRY)).to.deep.equal([
        false,
        BigInt(Reason.NoMatchGtinSerial),
      ]);
      // The commitment binds lot and expiry as printed: any other value is another (unknown) pack.
      const noMatch = [false, BigInt(Reason.NoMatchGtinSerial)];
      expect(await chain.verify(GTIN, "SN001", "LOTX", EXPIRY)).to.deep.equal(noMatch);
      expect(await chain.verify(GTIN, "SN001", LOT, 301130)).to.deep.equal(noMatch);
      expect(await chain.verify(GTIN, "SN001", LOT, 301332)).to.deep.equal(noMatch);
      expect(await chain.verify(GTIN, "SN001", LOT, 301200)).to.deep.equal(noMatch);
    });

    it("reports the first reason in the chaincode's order as conditions pile up", async function () {
      const fresh = await onFreshChain();
      const { chain, manufacturer, regulator, lotId, packId } = await fresh.atPharmacy();
      const reasonNow = async () => (await chain.verify(GTIN, "SN001", LOT, EXPIRY))[1];
      const steps: [() => Promise<unknown>, Reason][] = [
        [() => chain.connect(regulator).flagPack(packId, Flag.Quarantined), Reason.Quarantined],
        [() => chain.connect(regulator).placeColdChainHold([packId], ethers.ZeroHash), Reason.ColdChainHold],
        [() => fresh.time.increaseTo(Date.UTC(2031, 0, 1) / 1000), Reason.Expired],
        [() => chain.connect(regulator).flagPack(packId, Flag.Suspect), Reason.Suspect],
        [() => chain.connect(manufacturer).withdrawGtin(GTIN), Reason.Withdrawn],
        [() => chain.connect(manufacturer).recallLot(lotId), Reason.Recalled],
        [() => chain.connect(regulator).flagPack(packId, Flag.Illegitimate), Reason.Illegitimate],
      ];
      expect(await reasonNow()).to.equal(BigInt(Reason.None));
      for (const [act, expected] of steps) {
        await act();
        expect(await reasonNow()).to.equal(BigInt(expected));
      }
    });

    it("ranks an already decommissioned pack below suspect and above expired", async function () {
      const fresh = await onFreshChain();
      const { chain, pharmacy, otherPharmacy, packId } = await fresh.atPharmacy();
      await (await chain.connect(pharmacy).dispense(packId)).wait();
      await fresh.time.increaseTo(Date.UTC(2031, 0, 1) / 1000);
      expect(await chain.verify(GTIN, "SN001", LOT, EXPIRY)).to.deep.equal([
        false,
        BigInt(Reason.AlreadyDecommissioned),
      ]);
      await (await chain.connect(otherPharmacy).dispense(packId)).wait();
      expect(await chain.verify(GTIN, "SN001", LOT, EXPIRY)).to.deep.equal([false, BigInt(Reason.Suspect)]);
    });
  });

  describe("anchorDocument", function () {
    it("anchors a document's sha256 for a subject with its CID in the event", async function () {
      const { chain, manufacturer, packId } = await networkHelpers.loadFixture(withPack);
      const digest = ethers.sha256(ethers.toUtf8Bytes("certificate"));
      const cid = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
      await expect(chain.connect(manufacturer).anchorDocument(packId, digest, cid))
        .to.emit(chain, "DocumentAnchored")
        .withArgs(packId, digest, manufacturer.address, cid);
      const [by, at] = await chain.documentAnchorOf(packId, digest);
      expect(by).to.equal(manufacturer.address);
      expect(at).to.equal(BigInt(await networkHelpers.time.latest()));
      await expect(chain.connect(manufacturer).anchorDocument(packId, digest, cid))
        .to.be.revertedWithCustomError(chain, "DocumentAlreadyAnchored")
        .withArgs(packId, digest);
    });

    it("lets a regulator anchor and rejects an outsider", async function () {
      const { chain, regulator, stranger } = await networkHelpers.loadFixture(withPack);
      const digest = ethers.sha256(ethers.toUtf8Bytes("inspection"));
      await expect(chain.connect(regulator).anchorDocument(ethers.ZeroHash, digest, "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"))
        .to.emit(chain, "DocumentAnchored");
      await expect(chain.connect(stranger).anchorDocument(ethers.ZeroHash, digest, "Qm1"))
        .to.be.revertedWithCustomError(chain, "NotConsortiumMember")
        .withArgs(stranger.address);
    });

    it("lets the pack's holder and its manufacturer anchor, and no other partner", async function () {
      const { chain, manufacturer, distributor, pharmacy, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).ship(packId, distributor.address)).wait();
      const digest = ethers.sha256(ethers.toUtf8Bytes("transaction statement"));
      await expect(chain.connect(pharmacy).anchorDocument(packId, digest, "Qm1"))
        .to.be.revertedWithCustomError(chain, "NotSubjectParty")
        .withArgs(packId, pharmacy.address);
      expect((await chain.documentAnchorOf(packId, digest))[0]).to.equal(ethers.ZeroAddress);
      await expect(chain.connect(distributor).anchorDocument(packId, digest, "Qm1")).to.emit(chain, "DocumentAnchored");
      await expect(chain.connect(manufacturer).anchorDocument(packId, ethers.id("other"), "Qm1")).to.emit(
        chain,
        "DocumentAnchored",
      );
    });

    it("leaves a subject that is not a pack to the regulator", async function () {
      const { chain, manufacturer } = await networkHelpers.loadFixture(withPack);
      const subject = ethers.id("shipment 42");
      await expect(chain.connect(manufacturer).anchorDocument(subject, ethers.id("doc"), "Qm1"))
        .to.be.revertedWithCustomError(chain, "NotSubjectParty")
        .withArgs(subject, manufacturer.address);
    });

    it("rejects a zero digest and a malformed CID", async function () {
      const { chain, manufacturer, packId } = await networkHelpers.loadFixture(withPack);
      const digest = ethers.sha256(ethers.toUtf8Bytes("doc"));
      await expect(chain.connect(manufacturer).anchorDocument(packId, ethers.ZeroHash, "Qm1"))
        .to.be.revertedWithCustomError(chain, "InvalidDigest");
      await expect(chain.connect(manufacturer).anchorDocument(packId, digest, "ipfs://x"))
        .to.be.revertedWithCustomError(chain, "InvalidCharacter")
        .withArgs(Field.Cid, 4);
      await expect(chain.connect(manufacturer).anchorDocument(packId, digest, ""))
        .to.be.revertedWithCustomError(chain, "InvalidLength")
        .withArgs(Field.Cid, 0, 128);
    });

    it("takes a CID of 0-9, A-Z and a-z only, up to 128 characters", async function () {
      const { chain, manufacturer, packId } = await networkHelpers.loadFixture(withPack);
      for (const [i, c] of ["/", ":", "@", "[", "`", "{"].entries()) {
        await expect(chain.connect(manufacturer).anchorDocument(packId, ethers.id(`d${i}`), `Qm${c}`))
          .to.be.revertedWithCustomError(chain, "InvalidCharacter")
          .withArgs(Field.Cid, 2);
      }
      await expect(chain.connect(manufacturer).anchorDocument(packId, ethers.id("long"), "b".repeat(129)))
        .to.be.revertedWithCustomError(chain, "InvalidLength")
        .withArgs(Field.Cid, 129, 128);
      const cid = `09AZaz${"b".repeat(122)}`;
      await expect(chain.connect(manufacturer).anchorDocument(packId, ethers.id("ok"), cid)).to.emit(chain, "DocumentAnchored");
    });
  });

  describe("anchor", function () {
    it("records increasing block hashes of another ledger", async function () {
      const { chain, anchorer } = await networkHelpers.loadFixture(deployWithRoles);
      const ledger = ethers.id("fabric:mfr-dist");
      const hash = ethers.sha256(ethers.toUtf8Bytes("block 0"));
      expect(await chain.latestAnchor(ledger)).to.deep.equal([false, 0n]);
      await expect(chain.connect(anchorer).anchor(ledger, 0, hash))
        .to.emit(chain, "BlockAnchored")
        .withArgs(ledger, 0, hash, anchorer.address);
      await (await chain.connect(anchorer).anchor(ledger, 10, hash)).wait();
      expect(await chain.anchoredBlockHash(ledger, 0)).to.equal(hash);
      expect(await chain.latestAnchor(ledger)).to.deep.equal([true, 10n]);
    });

    it("rejects a repeated or older block number and a zero hash", async function () {
      const { chain, anchorer } = await networkHelpers.loadFixture(deployWithRoles);
      const ledger = ethers.id("fabric:dist-pharm");
      const hash = ethers.id("h");
      await (await chain.connect(anchorer).anchor(ledger, 5, hash)).wait();
      await expect(chain.connect(anchorer).anchor(ledger, 5, hash))
        .to.be.revertedWithCustomError(chain, "AnchorOutOfOrder")
        .withArgs(ledger, 5, 6);
      await expect(chain.connect(anchorer).anchor(ledger, 6, ethers.ZeroHash))
        .to.be.revertedWithCustomError(chain, "InvalidBlockHash")
        .withArgs(ledger, 6);
    });

    it("moves a head forward by at most MAX_ANCHOR_STEP blocks", async function () {
      const { chain, anchorer } = await networkHelpers.loadFixture(deployWithRoles);
      const ledger = ethers.id("fabric:mfr-dist");
      const step = await chain.MAX_ANCHOR_STEP();
      expect(step).to.equal(1_000_000n); // the documented bound
      await (await chain.connect(anchorer).anchor(ledger, 7, ethers.id("h"))).wait();
      await expect(chain.connect(anchorer).anchor(ledger, 7n + step + 1n, ethers.id("h")))
        .to.be.revertedWithCustomError(chain, "AnchorStepTooLarge")
        .withArgs(ledger, 7n + step + 1n, step);
      await expect(chain.connect(anchorer).anchor(ledger, 7n + step, ethers.id("h"))).to.emit(chain, "BlockAnchored");
    });

    it("refuses to follow a head at the largest block number with a custom error, not a panic", async function () {
      const { chain, anchorer } = await networkHelpers.loadFixture(deployWithRoles);
      const ledger = ethers.id("fabric:far");
      const max = 2n ** 64n - 1n;
      await (await chain.connect(anchorer).anchor(ledger, max, ethers.id("h"))).wait();
      await expect(chain.connect(anchorer).anchor(ledger, max, ethers.id("h")))
        .to.be.revertedWithCustomError(chain, "AnchorLedgerAtMaximum")
        .withArgs(ledger);
    });

    it("lets the admin rotate the anchorer: the old key is refused at once", async function () {
      const { chain, anchorer, stranger } = await networkHelpers.loadFixture(deployWithRoles);
      const role = await chain.ANCHORER_ROLE();
      const ledger = ethers.id("fabric:mfr-dist");
      await (await chain.grantRole(role, stranger.address)).wait();
      await (await chain.revokeRole(role, anchorer.address)).wait();
      await expect(chain.connect(anchorer).anchor(ledger, 1, ethers.id("h")))
        .to.be.revertedWithCustomError(chain, "AccessControlUnauthorizedAccount")
        .withArgs(anchorer.address, role);
      await expect(chain.connect(stranger).anchor(ledger, 1, ethers.id("h"))).to.emit(chain, "BlockAnchored");
    });

    it("rejects a caller without the anchorer role", async function () {
      const { chain, regulator } = await networkHelpers.loadFixture(deployWithRoles);
      await expect(chain.connect(regulator).anchor(ethers.ZeroHash, 1, ethers.id("h")))
        .to.be.revertedWithCustomError(chain, "AccessControlUnauthorizedAccount")
        .withArgs(regulator.address, await chain.ANCHORER_ROLE());
    });
  });

  describe("admin", function () {
    it("refuses a zero admin at deployment", async function () {
      const factory = await ethers.getContractFactory("SupplyChain");
      await expect(ethers.deployContract("SupplyChain", [ethers.ZeroAddress]))
        .to.be.revertedWithCustomError(factory, "AccessControlInvalidDefaultAdmin")
        .withArgs(ethers.ZeroAddress);
    });

    it("moves the admin in two steps, after the delay, and never by a plain grant", async function () {
      const { chain, admin, stranger } = await networkHelpers.loadFixture(deployWithRoles);
      const adminRole = await chain.DEFAULT_ADMIN_ROLE();
      await expect(chain.grantRole(adminRole, stranger.address)).to.be.revertedWithCustomError(
        chain,
        "AccessControlEnforcedDefaultAdminRules",
      );
      await (await chain.beginDefaultAdminTransfer(stranger.address)).wait();
      await expect(chain.connect(stranger).acceptDefaultAdminTransfer()).to.be.revertedWithCustomError(
        chain,
        "AccessControlEnforcedDefaultAdminDelay",
      );
      // Two days, as documented: not yet a minute before, possible a second after.
      await networkHelpers.time.increase(2 * 86_400 - 60);
      await expect(chain.connect(stranger).acceptDefaultAdminTransfer()).to.be.revertedWithCustomError(
        chain,
        "AccessControlEnforcedDefaultAdminDelay",
      );
      await networkHelpers.time.increase(61);
      await (await chain.connect(stranger).acceptDefaultAdminTransfer()).wait();
      expect(await chain.defaultAdmin()).to.equal(stranger.address);
      expect(await chain.hasRole(adminRole, admin.address)).to.equal(false);
    });
  });

  describe("emergency pause", function () {
    /** Every state-changing function but role administration, each with arguments that succeed unpaused. */
    function everyStateChange(f: Awaited<ReturnType<typeof atPharmacy>>) {
      const { chain, admin, manufacturer, distributor, pharmacy, regulator, anchorer, packId, lotId, otherManufacturer } = f;
      const m = chain.connect(manufacturer);
      return {
        assignGtin: () => chain.connect(admin).assignGtin(OTHER_GTIN, manufacturer.address),
        transferGtin: () => chain.connect(admin).transferGtin(GTIN, otherManufacturer.address),
        takeOverPacks: () => chain.connect(otherManufacturer).takeOverPacks([packId]),
        registerGtin: () => m.registerGtin(GTIN, "Aspirin"),
        registerLot: () => m.registerLot(GTIN, lk("LOT2"), EXPIRY),
        recallLot: () => m.recallLot(lotId),
        withdrawGtin: () => m.withdrawGtin(GTIN),
        commissionPack: () => m.commissionPack(lotId, pk("SN900")),
        commissionPacks: () => m.commissionPacks(lotId, ["SN901"].map((s) => pk(s))),
        ship: () => chain.connect(pharmacy).ship(packId, distributor.address),
        shipBatch: () => chain.connect(pharmacy).shipBatch([packId], distributor.address),
        receivePack: () => chain.connect(distributor).receivePack(packId),
        receiveBatch: () => chain.connect(distributor).receiveBatch([packId]),
        dispense: () => chain.connect(pharmacy).dispense(packId),
        decommission: () => chain.connect(pharmacy).decommission(packId, Status.Locked),
        undoDecommission: () => chain.connect(pharmacy).undoDecommission(packId),
        recordShipmentException: () => chain.connect(pharmacy).recordShipmentException(ethers.id("shipment"), [], [pk("SN999")], ethers.ZeroHash),
        placeColdChainHold: () => chain.connect(regulator).placeColdChainHold([packId], ethers.ZeroHash),
        releaseColdChainHold: () => m.releaseColdChainHold([packId]),
        flagPack: () => chain.connect(regulator).flagPack(packId, Flag.Suspect),
        clearPackFlag: () => chain.connect(regulator).clearPackFlag(packId, Flag.Suspect),
        anchorDocument: () => chain.connect(regulator).anchorDocument(packId, ethers.id("doc"), "bafy"),
        anchor: () => chain.connect(anchorer).anchor(ethers.id("mfr-dist"), 1n, ethers.id("block")),
      };
    }

    it("pauses every partner, the first on the list too", async function () {
      // The manufacturer was the first partner granted: the pause must reach its record as well.
      const { chain, manufacturer, distributor, regulator, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).ship(packId, distributor.address)).wait();
      await (await chain.connect(distributor).receivePack(packId)).wait();
      await (await chain.connect(regulator).pause()).wait();
      await expect(chain.connect(distributor).ship(packId, manufacturer.address)).to.be.revertedWithCustomError(chain, "EnforcedPause");
    });

    it("stops every state-changing function while paused, and only those", async function () {
      const f = await networkHelpers.loadFixture(atPharmacy);
      await expect(f.chain.connect(f.regulator).pause()).to.emit(f.chain, "Paused").withArgs(f.regulator.address);
      expect(await f.chain.paused()).to.equal(true);
      for (const [name, call] of Object.entries(everyStateChange(f))) {
        await expect(call(), name).to.be.revertedWithCustomError(f.chain, "EnforcedPause");
      }
      // Reads and verify keep answering; the admin can still revoke a leaked key.
      expect(await f.chain.verify(GTIN, "SN001", LOT, EXPIRY)).to.deep.equal([true, BigInt(Reason.None)]);
      expect((await f.chain.packOf(f.packId)).status).to.equal(BigInt(Status.Received));
      await expect(f.chain.revokeRole(await f.chain.DISTRIBUTOR_ROLE(), f.distributor.address)).to.emit(
        f.chain,
        "RoleRevoked",
      );
    });

    it("lets packs move again after unpause", async function () {
      const { chain, regulator, pharmacy, distributor, packId } = await networkHelpers.loadFixture(atPharmacy);
      await (await chain.connect(regulator).pause()).wait();
      await expect(chain.connect(regulator).unpause()).to.emit(chain, "Unpaused").withArgs(regulator.address);
      expect(await chain.paused()).to.equal(false);
      await (await chain.connect(pharmacy).ship(packId, distributor.address)).wait();
      await (await chain.connect(distributor).receivePack(packId)).wait();
      expect((await chain.packOf(packId)).holder).to.equal(distributor.address);
    });

    it("stops a pack already in transit from being received while paused", async function () {
      const { chain, regulator, manufacturer, distributor, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).ship(packId, distributor.address)).wait();
      await (await chain.connect(regulator).pause()).wait();
      await expect(chain.connect(distributor).receivePack(packId)).to.be.revertedWithCustomError(chain, "EnforcedPause");
    });

    it("pauses a partner granted its role while paused", async function () {
      const { chain, admin, regulator, manufacturer, stranger, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(regulator).pause()).wait();
      await (await chain.connect(admin).grantRole(await chain.DISTRIBUTOR_ROLE(), stranger.address)).wait();
      await (await chain.connect(regulator).unpause()).wait();
      await (await chain.connect(regulator).pause()).wait();
      await expect(chain.connect(manufacturer).ship(packId, stranger.address)).to.be.revertedWithCustomError(
        chain,
        "EnforcedPause",
      );
    });

    it("refuses a pause or unpause from anyone without PAUSER_ROLE, a second pause and an unpause while running", async function () {
      const { chain, admin, regulator } = await networkHelpers.loadFixture(deployWithRoles);
      const pauser = await chain.PAUSER_ROLE();
      await expect(chain.connect(admin).pause())
        .to.be.revertedWithCustomError(chain, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, pauser);
      await expect(chain.connect(regulator).unpause()).to.be.revertedWithCustomError(chain, "ExpectedPause");
      await (await chain.connect(regulator).pause()).wait();
      await expect(chain.connect(regulator).pause()).to.be.revertedWithCustomError(chain, "EnforcedPause");
      await expect(chain.connect(admin).unpause())
        .to.be.revertedWithCustomError(chain, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, pauser);
    });
  });

  describe("trading partners", function () {
    it("stops shipments to and by an account whose partner roles were all revoked", async function () {
      const { chain, admin, manufacturer, distributor, pharmacy, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(admin).grantRole(await chain.PHARMACY_ROLE(), distributor.address)).wait();
      await (await chain.connect(admin).revokeRole(await chain.DISTRIBUTOR_ROLE(), distributor.address)).wait();
      // Still a pharmacy, so still a partner.
      await expect(chain.connect(manufacturer).ship(packId, distributor.address)).to.emit(chain, "PackShipped");
      await (await chain.connect(distributor).receivePack(packId)).wait();
      await (await chain.connect(admin).revokeRole(await chain.PHARMACY_ROLE(), distributor.address)).wait();
      await expect(chain.connect(distributor).ship(packId, pharmacy.address))
        .to.be.revertedWithCustomError(chain, "NotTradingPartner")
        .withArgs(distributor.address);
      await (await chain.connect(admin).grantRole(await chain.DISTRIBUTOR_ROLE(), distributor.address)).wait();
      await (await chain.connect(distributor).ship(packId, manufacturer.address)).wait();
      await (await chain.connect(manufacturer).receivePack(packId)).wait();
      await (await chain.connect(admin).revokeRole(await chain.DISTRIBUTOR_ROLE(), distributor.address)).wait();
      await expect(chain.connect(manufacturer).ship(packId, distributor.address))
        .to.be.revertedWithCustomError(chain, "NotTradingPartner")
        .withArgs(distributor.address);
    });

    it("stops a revoked holder shipping the packs it holds, at once", async function () {
      const { chain, admin, manufacturer, distributor, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).ship(packId, distributor.address)).wait();
      await (await chain.connect(distributor).receivePack(packId)).wait();
      await (await chain.connect(admin).revokeRole(await chain.DISTRIBUTOR_ROLE(), distributor.address)).wait();
      await expect(chain.connect(distributor).ship(packId, manufacturer.address))
        .to.be.revertedWithCustomError(chain, "NotTradingPartner")
        .withArgs(distributor.address);
      expect((await chain.packOf(packId)).status).to.equal(Status.Received);
    });

    it("stops a partner revoked while a pack is in transit to it from receiving it", async function () {
      const { chain, admin, manufacturer, distributor, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).ship(packId, distributor.address)).wait();
      await (await chain.connect(admin).revokeRole(await chain.DISTRIBUTOR_ROLE(), distributor.address)).wait();
      await expect(chain.connect(distributor).receivePack(packId))
        .to.be.revertedWithCustomError(chain, "NotTradingPartner")
        .withArgs(distributor.address);
    });

    it("lets a partner that kept one of its roles ship after another role was revoked", async function () {
      const { chain, admin, manufacturer, distributor, pharmacy, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(admin).grantRole(await chain.PHARMACY_ROLE(), distributor.address)).wait();
      await (await chain.connect(manufacturer).ship(packId, distributor.address)).wait();
      await (await chain.connect(distributor).receivePack(packId)).wait();
      await (await chain.connect(admin).revokeRole(await chain.PHARMACY_ROLE(), pharmacy.address)).wait();
      await (await chain.connect(admin).revokeRole(await chain.DISTRIBUTOR_ROLE(), distributor.address)).wait();
      await expect(chain.connect(distributor).ship(packId, manufacturer.address)).to.emit(chain, "PackShipped");
    });

    it("stops a revoked holder shipping after many revocations and recalls before its own", async function () {
      // Every revocation and every recall must move its half of the epoch, however many came before.
      const { chain, admin, manufacturer, distributor, otherPharmacy, lotId, packId } = await networkHelpers.loadFixture(withPack);
      const pharmacyRole = await chain.PHARMACY_ROLE();
      for (let i = 0; i < 20; ++i) {
        await (await chain.connect(admin).revokeRole(pharmacyRole, otherPharmacy.address)).wait();
        await (await chain.connect(admin).grantRole(pharmacyRole, otherPharmacy.address)).wait();
        await (await chain.connect(manufacturer).registerLot(GTIN, lk(`R${i}`), EXPIRY)).wait();
        await (await chain.connect(manufacturer).recallLot(lotId + 1n + BigInt(i))).wait();
      }
      await (await chain.connect(manufacturer).ship(packId, distributor.address)).wait();
      await (await chain.connect(distributor).receivePack(packId)).wait();
      await (await chain.connect(admin).revokeRole(await chain.DISTRIBUTOR_ROLE(), distributor.address)).wait();
      await expect(chain.connect(distributor).ship(packId, manufacturer.address))
        .to.be.revertedWithCustomError(chain, "NotTradingPartner")
        .withArgs(distributor.address);
      await (await chain.connect(admin).grantRole(await chain.DISTRIBUTOR_ROLE(), distributor.address)).wait();
      await (await chain.connect(manufacturer).recallLot(lotId)).wait();
      await expect(chain.connect(distributor).ship(packId, manufacturer.address))
        .to.be.revertedWithCustomError(chain, "PackBlocked")
        .withArgs(packId, Reason.Recalled);
    });

    it("blocks a pack whose lot is recalled after it moved, whatever epoch it moved in", async function () {
      // The pack moves at an even recall epoch after being commissioned at an odd one: the stored
      // epoch must be exactly the consignee's, or a later recall could find it equal and pass.
      const { chain, manufacturer, distributor, lotId } = await networkHelpers.loadFixture(withLot);
      for (const lot of ["R1", "R2"]) await (await chain.connect(manufacturer).registerLot(GTIN, lk(lot), EXPIRY)).wait();
      await (await chain.connect(manufacturer).recallLot(lotId + 1n)).wait();
      await (await chain.connect(manufacturer).commissionPack(lotId, pk("ODD"))).wait();
      await (await chain.connect(manufacturer).recallLot(lotId + 2n)).wait();
      await (await chain.connect(manufacturer).ship(pk("ODD"), distributor.address)).wait();
      await (await chain.connect(distributor).receivePack(pk("ODD"))).wait();
      await (await chain.connect(manufacturer).recallLot(lotId)).wait();
      await expect(chain.connect(distributor).ship(pk("ODD"), manufacturer.address))
        .to.be.revertedWithCustomError(chain, "PackBlocked")
        .withArgs(pk("ODD"), Reason.Recalled);
    });

    it("keeps a manufacturer that was also a distributor or a pharmacy a partner and a manufacturer when that role goes", async function () {
      for (const roleName of ["DISTRIBUTOR_ROLE", "PHARMACY_ROLE"] as const) {
        const { chain, admin, manufacturer, distributor, lotId, packId } = await networkHelpers.loadFixture(withPack);
        const role = await chain[roleName]();
        await (await chain.connect(admin).grantRole(role, manufacturer.address)).wait();
        await (await chain.connect(admin).revokeRole(role, manufacturer.address)).wait();
        await expect(chain.connect(manufacturer).ship(packId, distributor.address), roleName).to.emit(chain, "PackShipped");
        await expect(chain.connect(manufacturer).recallLot(lotId), roleName).to.emit(chain, "LotRecalled");
      }
    });

    it("stops a revoked manufacturer recalling, withdrawing, releasing holds and placing holds", async function () {
      const { chain, admin, manufacturer, regulator, lotId, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(regulator).placeColdChainHold([packId], ethers.id("logger"))).wait();
      await (await chain.connect(admin).revokeRole(await chain.MANUFACTURER_ROLE(), manufacturer.address)).wait();
      await expect(chain.connect(manufacturer).recallLot(lotId))
        .to.be.revertedWithCustomError(chain, "NotManufacturerOrRegulator")
        .withArgs(manufacturer.address);
      await expect(chain.connect(manufacturer).withdrawGtin(GTIN))
        .to.be.revertedWithCustomError(chain, "NotManufacturerOrRegulator")
        .withArgs(manufacturer.address);
      await expect(chain.connect(manufacturer).releaseColdChainHold([packId]))
        .to.be.revertedWithCustomError(chain, "NotLotManufacturer")
        .withArgs(lotId, manufacturer.address);
      expect((await chain.lotOf(lotId)).state).to.equal(LotState.Active);
    });

    it("stops a revoked holder placing a cold-chain hold on a pack it still holds", async function () {
      const { chain, admin, manufacturer, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(admin).revokeRole(await chain.MANUFACTURER_ROLE(), manufacturer.address)).wait();
      await expect(chain.connect(manufacturer).placeColdChainHold([packId], ethers.id("logger")))
        .to.be.revertedWithCustomError(chain, "NotHoldAuthority")
        .withArgs(packId, manufacturer.address);
    });

    it("gives a partner granted after a recall the current recall epoch", async function () {
      const { chain, admin, manufacturer, stranger, lotId, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).recallLot(lotId)).wait();
      await (await chain.connect(admin).grantRole(await chain.DISTRIBUTOR_ROLE(), stranger.address)).wait();
      await expect(chain.connect(manufacturer).ship(packId, stranger.address))
        .to.be.revertedWithCustomError(chain, "PackBlocked")
        .withArgs(packId, Reason.Recalled);
    });

    it("keeps every remaining partner on the recall list through swap-and-pop revocations", async function () {
      // Partner list after the fixture: manufacturer, otherManufacturer, distributor, pharmacy, otherPharmacy.
      const { chain, admin, manufacturer, otherManufacturer, distributor, pharmacy, otherPharmacy, stranger, lotId, packId } =
        await networkHelpers.loadFixture(withPack);
      // otherPharmacy moves into the distributor's place; the stranger joins at the end; then
      // otherPharmacy leaves from its new place, and the stranger must take it.
      await (await chain.connect(admin).revokeRole(await chain.DISTRIBUTOR_ROLE(), distributor.address)).wait();
      await (await chain.connect(admin).grantRole(await chain.DISTRIBUTOR_ROLE(), stranger.address)).wait();
      await (await chain.connect(admin).revokeRole(await chain.PHARMACY_ROLE(), otherPharmacy.address)).wait();
      await (await chain.connect(manufacturer).recallLot(lotId)).wait();

      for (const consignee of [otherManufacturer, pharmacy, stranger]) {
        await expect(chain.connect(manufacturer).ship(packId, consignee.address))
          .to.be.revertedWithCustomError(chain, "PackBlocked")
          .withArgs(packId, Reason.Recalled);
      }
      for (const gone of [distributor, otherPharmacy]) {
        await expect(chain.connect(manufacturer).ship(packId, gone.address))
          .to.be.revertedWithCustomError(chain, "NotTradingPartner")
          .withArgs(gone.address);
      }
    });

    it("refuses a role for the zero address", async function () {
      const { chain } = await networkHelpers.loadFixture(deployWithRoles);
      await expect(chain.grantRole(await chain.DISTRIBUTOR_ROLE(), ethers.ZeroAddress)).to.be.revertedWithCustomError(
        chain,
        "ZeroAddress",
      );
    });

    it("ignores granting a role twice and revoking a role never held", async function () {
      const { chain, admin, distributor, stranger } = await networkHelpers.loadFixture(deployWithRoles);
      const role = await chain.DISTRIBUTOR_ROLE();
      await expect(chain.connect(admin).grantRole(role, distributor.address)).not.to.emit(chain, "RoleGranted");
      await expect(chain.connect(admin).revokeRole(role, stranger.address)).not.to.emit(chain, "RoleRevoked");
      await expect(chain.connect(admin).revokeRole(await chain.REGULATOR_ROLE(), distributor.address)).not.to.emit(
        chain,
        "RoleRevoked",
      );
    });
  });

  describe("transferGtin and takeOverPacks (key rotation)", function () {
    it("moves a GTIN, its lots and the packs the old key holds to the manufacturer's new key", async function () {
      const { chain, admin, manufacturer, otherManufacturer, distributor, lotId, packId } =
        await networkHelpers.loadFixture(withPack);
      await expect(chain.transferGtin(GTIN, otherManufacturer.address))
        .to.emit(chain, "GtinTransferred")
        .withArgs(GTIN, manufacturer.address, otherManufacturer.address);
      await (await chain.connect(admin).revokeRole(await chain.MANUFACTURER_ROLE(), manufacturer.address)).wait();
      expect(await chain.gtinAssigneeOf(GTIN)).to.equal(otherManufacturer.address);
      expect((await chain.gtinOf(GTIN)).manufacturer).to.equal(otherManufacturer.address);
      // Only the GTIN's own lots move: no record appears for a lot that does not exist.
      expect((await chain.lotOf(lotId + 1n)).manufacturer).to.equal(ethers.ZeroAddress);
      expect((await chain.lotOf(0n)).manufacturer).to.equal(ethers.ZeroAddress);
      expect((await chain.lotOf(lotId)).manufacturer).to.equal(otherManufacturer.address);

      await expect(chain.connect(otherManufacturer).takeOverPacks([packId]))
        .to.emit(chain, "PackTakenOver")
        .withArgs(packId, otherManufacturer.address);
      expect((await chain.packOf(packId)).holder).to.equal(otherManufacturer.address);
      await expect(chain.connect(otherManufacturer).ship(packId, distributor.address)).to.emit(chain, "PackShipped");
      await expect(chain.connect(otherManufacturer).commissionPack(lotId, pk("SN002"))).to.emit(chain, "PackCommissioned");
      await expect(chain.connect(manufacturer).commissionPack(lotId, pk("SN003"))).to.be.revertedWithCustomError(
        chain,
        "AccessControlUnauthorizedAccount",
      );
    });

    it("moves an assigned GTIN not yet registered", async function () {
      const { chain, manufacturer, otherManufacturer } = await networkHelpers.loadFixture(deployWithRoles);
      await (await chain.assignGtin(GTIN, manufacturer.address)).wait();
      await (await chain.transferGtin(GTIN, otherManufacturer.address)).wait();
      await expect(chain.connect(manufacturer).registerGtin(GTIN, "Old key"))
        .to.be.revertedWithCustomError(chain, "GtinNotAssigned")
        .withArgs(GTIN, manufacturer.address);
      expect((await chain.gtinOf(GTIN)).manufacturer).to.equal(ethers.ZeroAddress);
      await expect(chain.connect(otherManufacturer).registerGtin(GTIN, "New key")).to.emit(chain, "GtinRegistered");
    });

    it("rejects a transfer by a non-registry, of an unassigned GTIN, to the same key and to a non-manufacturer", async function () {
      const { chain, manufacturer, otherManufacturer, distributor } = await networkHelpers.loadFixture(withLot);
      await expect(chain.connect(manufacturer).transferGtin(GTIN, otherManufacturer.address))
        .to.be.revertedWithCustomError(chain, "AccessControlUnauthorizedAccount")
        .withArgs(manufacturer.address, await chain.REGISTRY_ROLE());
      await expect(chain.transferGtin(OTHER_GTIN, otherManufacturer.address))
        .to.be.revertedWithCustomError(chain, "GtinNotAssigned")
        .withArgs(OTHER_GTIN, otherManufacturer.address);
      await expect(chain.transferGtin(GTIN, manufacturer.address))
        .to.be.revertedWithCustomError(chain, "GtinAlreadyAssignedTo")
        .withArgs(GTIN, manufacturer.address);
      await expect(chain.transferGtin(GTIN, distributor.address))
        .to.be.revertedWithCustomError(chain, "NotManufacturer")
        .withArgs(distributor.address);
    });

    it("stops a new key whose manufacturer role was revoked from taking over packs", async function () {
      const { chain, admin, otherManufacturer, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.transferGtin(GTIN, otherManufacturer.address)).wait();
      const role = await chain.MANUFACTURER_ROLE();
      await (await chain.connect(admin).revokeRole(role, otherManufacturer.address)).wait();
      await expect(chain.connect(otherManufacturer).takeOverPacks([packId]))
        .to.be.revertedWithCustomError(chain, "AccessControlUnauthorizedAccount")
        .withArgs(otherManufacturer.address, role);
    });

    it("rejects taking over packs of a key not transferred to the caller, in transit, or on an empty list", async function () {
      const { chain, manufacturer, otherManufacturer, distributor, packId } = await networkHelpers.loadFixture(withPack);
      await expect(chain.connect(otherManufacturer).takeOverPacks([packId]))
        .to.be.revertedWithCustomError(chain, "NotSuccessorOfHolder")
        .withArgs(packId, manufacturer.address, otherManufacturer.address);
      await (await chain.connect(manufacturer).ship(packId, distributor.address)).wait();
      await (await chain.transferGtin(GTIN, otherManufacturer.address)).wait();
      await expect(chain.connect(otherManufacturer).takeOverPacks([packId]))
        .to.be.revertedWithCustomError(chain, "NotSuccessorOfHolder")
        .withArgs(packId, distributor.address, otherManufacturer.address);
      await expect(chain.connect(otherManufacturer).takeOverPacks([])).to.be.revertedWithCustomError(chain, "InvalidBatchSize");
    });

    it("rejects taking over a pack of the old key that is in transit back to it", async function () {
      const { chain, manufacturer, otherManufacturer, distributor, packId } = await networkHelpers.loadFixture(withPack);
      await (await chain.connect(manufacturer).ship(packId, distributor.address)).wait();
      await (await chain.connect(distributor).receivePack(packId)).wait();
      await (await chain.connect(distributor).ship(packId, manufacturer.address)).wait();
      await (await chain.transferGtin(GTIN, otherManufacturer.address)).wait();
      await expect(chain.connect(otherManufacturer).takeOverPacks([packId]))
        .to.be.revertedWithCustomError(chain, "InvalidTransition")
        .withArgs(packId, Status.InTransit, Status.InTransit);
    });
  });
});
