import { expect } from "chai";
import {
  ChaincodeError,
  GS,
  formatBracketed,
  formatDigitalLink,
  formatElementString,
  gtinCheckDigit,
  isExpired,
  isValidGs1Chars,
  isValidGtin,
  parseBracketed,
  parseDigitalLink,
  parseElementString,
  parseGs1,
  parseYymmdd,
  requirePackIdentifiers,
  validateExpiry,
  validateGtin,
  validateLot,
  validateSerial,
} from "../../chaincode/src/index.js";

function errorOf(fn: () => unknown): ChaincodeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ChaincodeError) return error;
    throw error;
  }
  throw new Error("expected a ChaincodeError");
}

const PACK = { gtin: "00350090123456", serial: "SN8X4K2Q9", lot: "LOT2024A", expiry: "270331" };

describe("GS1 GTIN check digit", () => {
  for (const gtin of ["09521234543213", "14567815983469", "00350090123456", "10350090123453", "00614141123452"]) {
    it(`accepts the design vector ${gtin}`, () => {
      expect(isValidGtin(gtin)).to.equal(true);
      expect(validateGtin("gtin", gtin)).to.equal(gtin);
    });
  }

  for (const gtin of ["09521234543214", "14567815983468", "0952123454321A"]) {
    it(`rejects the design vector ${gtin}`, () => {
      expect(isValidGtin(gtin)).to.equal(false);
      expect(errorOf(() => validateGtin("gtin", gtin)).code).to.equal("INVALID_ARGUMENT");
    });
  }

  it("computes the check digit from the digits on its left with weights 3,1,3...", () => {
    expect(gtinCheckDigit("0952123454321")).to.equal(3);
    expect(gtinCheckDigit("1456781598346")).to.equal(9);
  });

  it("names the field and the expected check digit when it is wrong", () => {
    const error = errorOf(() => validateGtin("packs[2].gtin", "09521234543214"));
    expect(error.field).to.equal("packs[2].gtin");
    expect(error.detail).to.equal("packs[2].gtin: check digit must be 3");
  });

  it("rejects a GTIN that is not exactly 14 digits", () => {
    expect(errorOf(() => validateGtin("gtin", "0952123454321")).detail).to.match(/exactly 14 digits/);
    expect(errorOf(() => validateGtin("gtin", 9521234543213)).detail).to.match(/exactly 14 digits/);
  });
});

describe("GS1 serial and lot", () => {
  it("accepts every character of GS1 character set 82", () => {
    expect(isValidGs1Chars(`!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`)).to.equal(true);
  });

  for (const bad of [" ", "#", "$", "@", "[", "\\", "]", "^", "`", "{", "|", "}", "~", "é", GS]) {
    it(`rejects a serial containing ${JSON.stringify(bad)}`, () => {
      expect(errorOf(() => validateSerial("serial", `AB${bad}1`)).detail).to.equal("serial: must use GS1 character set 82 only");
    });
  }

  it("rejects an empty serial and one longer than 20 characters", () => {
    expect(errorOf(() => validateSerial("serial", "")).detail).to.equal("serial: must be 1-20 characters");
    expect(errorOf(() => validateSerial("serial", "A".repeat(21))).detail).to.equal("serial: must be 1-20 characters");
    expect(validateSerial("serial", "A".repeat(20))).to.have.length(20);
  });

  it("applies the same rules to a lot", () => {
    expect(validateLot("lot", "L-1/2")).to.equal("L-1/2");
    expect(errorOf(() => validateLot("lot", "L 1")).field).to.equal("lot");
  });
});

describe("GS1 dates YYMMDD", () => {
  it("reads day 00 as the last day of the month, leap years included", () => {
    expect(parseYymmdd("280200")?.isoDate).to.equal("2028-02-29");
    expect(parseYymmdd("270200")?.isoDate).to.equal("2027-02-28");
    expect(parseYymmdd("270400")?.isoDate).to.equal("2027-04-30");
    expect(parseYymmdd("271200")?.isoDate).to.equal("2027-12-31");
  });

  it("rejects impossible dates", () => {
    for (const bad of ["271301", "270001", "270230", "270431", "2704", "27-4-1"]) {
      expect(parseYymmdd(bad), bad).to.equal(undefined);
    }
    expect(errorOf(() => validateExpiry("expiry", "270230")).detail).to.match(/real calendar date/);
    expect(errorOf(() => validateExpiry("expiry", "2702301")).detail).to.match(/YYMMDD/);
  });

  it("treats a pack as expired only after the end of its expiry day", () => {
    expect(isExpired("270331", "2027-03-31T23:59:59Z")).to.equal(false);
    expect(isExpired("270331", "2027-04-01T00:00:00Z")).to.equal(true);
    expect(isExpired("270300", "2027-03-31T12:00:00Z")).to.equal(false);
  });
});

describe("GS1 DataMatrix element string parsing", () => {
  it("parses the design example with the ]d2 symbology identifier", () => {
    const ids = parseElementString(`]d2010035009012345617270331` + `10LOT2024A${GS}21SN8X4K2Q9`);
    expect(requirePackIdentifiers(ids)).to.deep.equal(PACK);
  });

  it("parses the text ZXing returns: a leading GS for FNC1 and no symbology identifier", () => {
    const ids = parseElementString(`${GS}0100350090123456172703311` + `0LOT2024A${GS}21SN8X4K2Q9`);
    expect(requirePackIdentifiers(ids)).to.deep.equal(PACK);
  });

  it("accepts the serial before the lot and keeps unknown but valid AIs aside", () => {
    const ids = parseElementString(`01003500901234562112345${GS}71012345678${GS}10L1${GS}17270300`);
    expect(ids).to.deep.equal({ gtin: "00350090123456", serial: "12345", lot: "L1", expiry: "270300", extra: { "710": "12345678" } });
  });

  it("strips the symbology identifier of a GS1 QR (]Q3) or GS1-128 (]C1) too", () => {
    expect(parseElementString(`]Q3010035009012345621S1`).serial).to.equal("S1");
    expect(parseElementString(`]C1010035009012345621S2`).serial).to.equal("S2");
  });

  it("round-trips the element string it formats", () => {
    expect(requirePackIdentifiers(parseElementString(formatElementString(PACK)))).to.deep.equal(PACK);
  });

  it("rejects a bad check digit inside the code, naming the gtin", () => {
    expect(errorOf(() => parseElementString("0100350090123457")).field).to.equal("gtin");
  });

  it("rejects an unknown AI, a truncated fixed field, an empty text and a missing GTIN", () => {
    expect(errorOf(() => parseElementString("99ABC")).detail).to.match(/unknown application identifier/);
    expect(errorOf(() => parseElementString("01003500901234")).detail).to.match(/AI 01 needs 14 characters/);
    expect(errorOf(() => parseElementString("]d2")).detail).to.match(/empty/);
    expect(errorOf(() => parseElementString("10LOT")).detail).to.match(/GTIN \(AI 01\)/);
  });

  it("names the missing AI when a pack identity is incomplete", () => {
    expect(errorOf(() => requirePackIdentifiers(parseElementString("0100350090123456"))).detail).to.match(/serial \(AI 21\)/);
    expect(errorOf(() => requirePackIdentifiers(parseElementString("010035009012345621S1"))).detail).to.match(/lot \(AI 10\)/);
    expect(errorOf(() => requirePackIdentifiers(parseElementString(`010035009012345621S1${GS}10L`))).detail).to.match(/expiry \(AI 17\)/);
  });
});

describe("GS1 human-readable (bracketed) parsing", () => {
  it("parses (01)(17)(10)(21)", () => {
    expect(requirePackIdentifiers(parseBracketed("(01)00350090123456(17)270331(10)LOT2024A(21)SN8X4K2Q9"))).to.deep.equal(PACK);
    expect(requirePackIdentifiers(parseBracketed(formatBracketed(PACK)))).to.deep.equal(PACK);
  });

  it("rejects text that is not (AI)value pairs", () => {
    expect(errorOf(() => parseBracketed("01)00350090123456")).field).to.equal("code");
    expect(errorOf(() => parseBracketed("(01)00350090123456 trailing(")).field).to.equal("code");
  });
});

describe("GS1 Digital Link parsing", () => {
  it("parses the path qualifiers and the expiry query parameter, decoding percent-encoding", () => {
    const ids = parseDigitalLink("https://id.example.com/01/00350090123456/10/LOT%2F24/21/SN%251?17=270331");
    expect(requirePackIdentifiers(ids)).to.deep.equal({ gtin: "00350090123456", lot: "LOT/24", serial: "SN%1", expiry: "270331" });
  });

  it("finds /01/ after a path prefix and round-trips what it formats", () => {
    const url = formatDigitalLink("https://scan.rxtrace.test/dl/", { ...PACK, lot: "L/1" });
    expect(url).to.equal("https://scan.rxtrace.test/dl/01/00350090123456/10/L%2F1/21/SN8X4K2Q9?17=270331");
    expect(requirePackIdentifiers(parseDigitalLink(url))).to.deep.equal({ ...PACK, lot: "L/1" });
  });

  it("reads a GTIN-13 or GTIN-8 in the path as the GTIN-14 with leading zeros", () => {
    expect(parseDigitalLink("https://h/01/0614141123452/21/S1").gtin).to.equal("00614141123452");
    expect(parseDigitalLink("https://h/01/95012346/21/S1").gtin).to.equal("00000095012346");
  });

  it("rejects a URL without a GTIN, a dangling qualifier, bad encoding and a non-URL", () => {
    expect(errorOf(() => parseDigitalLink("https://h/10/L1")).detail).to.match(/\/01\/\{gtin\}/);
    expect(errorOf(() => parseDigitalLink("https://h/01/00350090123456/10")).detail).to.match(/not a key qualifier/);
    expect(errorOf(() => parseDigitalLink("https://h/01/00350090123456/10/%E0%A4%A")).detail).to.match(/percent-encoded/);
    expect(errorOf(() => parseDigitalLink("not a url")).detail).to.match(/absolute GS1 Digital Link/);
  });
});

describe("GS1 form detection", () => {
  it("dispatches to the parser of each form", () => {
    expect(parseGs1("https://h/01/00350090123456/21/S1").serial).to.equal("S1");
    expect(parseGs1("(01)00350090123456(21)S2").serial).to.equal("S2");
    expect(parseGs1(`]d2010035009012345621S3`).serial).to.equal("S3");
  });
});
