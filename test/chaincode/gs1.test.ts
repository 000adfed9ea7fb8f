import { expect } from "chai";
import {
  AI_TABLE,
  ChaincodeError,
  GS,
  PREDEFINED_LENGTH,
  aiValueRule,
  detectGs1Form,
  formatBracketed,
  formatDigitalLink,
  formatElementString,
  gs1FullYear,
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
  scannedSscc,
  ssccEpc,
  ssccOf,
  isValidSscc,
  validateSscc,
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

const NOW = "2026-12-03T12:00:00Z";

describe("GS1 dates YYMMDD", () => {
  it("reads day 00 as the last day of the month, leap years included", () => {
    expect(parseYymmdd("280200", NOW)?.isoDate).to.equal("2028-02-29");
    expect(parseYymmdd("270200", NOW)?.isoDate).to.equal("2027-02-28");
    expect(parseYymmdd("270400", NOW)?.isoDate).to.equal("2027-04-30");
    expect(parseYymmdd("271200", NOW)?.isoDate).to.equal("2027-12-31");
  });

  it("rejects impossible dates", () => {
    for (const bad of ["271301", "270001", "270230", "270431", "2704", "27-4-1"]) {
      expect(parseYymmdd(bad, NOW), bad).to.equal(undefined);
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
    expect(errorOf(() => parseElementString("23ABC")).detail).to.match(/unknown application identifier/);
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

describe("GS1 expiry century (sliding window of the General Specifications)", () => {
  it("reads a two-digit year 51..99 ahead of the reference as the previous century", () => {
    expect(gs1FullYear(99, "2026-12-03T00:00:00Z")).to.equal(1999);
    expect(gs1FullYear(77, "2026-12-03T00:00:00Z")).to.equal(1977);
  });

  it("reads a two-digit year up to 50 ahead or 49 behind the reference as its own century", () => {
    expect(gs1FullYear(76, "2026-01-01T00:00:00Z")).to.equal(2076);
    expect(gs1FullYear(27, "2026-01-01T00:00:00Z")).to.equal(2027);
    expect(gs1FullYear(31, "2080-01-01T00:00:00Z")).to.equal(2031);
  });

  it("reads a two-digit year 50..99 behind the reference as the next century", () => {
    expect(gs1FullYear(30, "2080-06-01T00:00:00Z")).to.equal(2130);
    expect(gs1FullYear(0, "2095-06-01T00:00:00Z")).to.equal(2100);
  });

  it("resolves YYMMDD in the reference's window, so a leap day depends on the century it lands in", () => {
    expect(parseYymmdd("990131", NOW)?.isoDate).to.equal("1999-01-31");
    expect(parseYymmdd("000229", NOW)?.isoDate).to.equal("2000-02-29");
    expect(parseYymmdd("000229", "2060-01-01T00:00:00Z")).to.equal(undefined);
  });

  it("treats a pack labelled with year 99 as expired since 1999, judged at the given time", () => {
    expect(isExpired("991231", NOW)).to.equal(true);
    expect(isExpired("991231", "2060-01-01T00:00:00Z")).to.equal(false);
  });

  it("needs an ISO 8601 reference date", () => {
    expect(() => parseYymmdd("270331", "03/12/2026")).to.throw(TypeError, /ISO 8601/);
  });
});

describe("GS1 AI table", () => {
  it("gives every AI of predefined length the total length of the predefined-length table", () => {
    for (const definition of AI_TABLE.values()) {
      const total = PREDEFINED_LENGTH[definition.ai.slice(0, 2)];
      expect(definition.predefined, definition.ai).to.equal(total !== undefined);
      if (total !== undefined) expect(definition.ai.length + definition.maxLength, definition.ai).to.equal(total);
    }
  });

  it("has no AI that is the prefix of another, so an element string reads one way only", () => {
    const ais = [...AI_TABLE.keys()];
    for (const ai of ais) expect(ais.filter((other) => other !== ai && other.startsWith(ai)), ai).to.deep.equal([]);
  });

  it("knows the AIs a pharmaceutical pack carries", () => {
    for (const ai of ["00", "01", "02", "10", "11", "13", "15", "17", "21", "22", "30", "37", "240", "241", "3103", "3650", "400", "410", "422", "7003", "7240", "710", "716", "717", "8003", "8004", "8006", "90", "91", "99"]) {
      expect(AI_TABLE.has(ai), ai).to.equal(true);
    }
    expect(AI_TABLE.has("23")).to.equal(false);
    expect(AI_TABLE.has("3106")).to.equal(false);
  });

  it("checks length, character set, check digit, date and time of a value", () => {
    expect(aiValueRule("7240", "A".repeat(20))).to.equal(undefined);
    expect(aiValueRule("7240", "A".repeat(21))).to.equal("must be 1-20 characters");
    expect(aiValueRule("99", "x".repeat(91))).to.equal("must be 1-90 characters");
    expect(aiValueRule("7003", "2703311200")).to.equal(undefined);
    expect(aiValueRule("7003", "27033112")).to.equal("must be exactly 10 digits");
    expect(aiValueRule("7003", "27033112AB")).to.equal("must be digits only");
    expect(aiValueRule("7003", "2703311260")).to.equal("must give a time HHMM");
    expect(aiValueRule("7003", "2703001200")).to.equal("must be a real calendar date YYMMDD");
    expect(aiValueRule("11", "270300")).to.equal(undefined);
    expect(aiValueRule("710", "PZN 123")).to.equal("must use GS1 character set 82 only");
    expect(aiValueRule("8010", "ABC-12/#")).to.equal(undefined);
    expect(aiValueRule("8010", "abc")).to.equal("must use GS1 character set 39 only");
    expect(aiValueRule("00", "106141412345678908")).to.equal(undefined);
    expect(aiValueRule("00", "106141412345678909")).to.equal("has check digit 9, must be 8");
    expect(aiValueRule("8003", "00614141123452SER1")).to.equal(undefined);
    expect(aiValueRule("8003", "10614141123452")).to.equal("must start with 0");
    expect(aiValueRule("253", "0614141123452")).to.equal(undefined);
    expect(aiValueRule("421", "276D-12345")).to.equal(undefined);
    expect(aiValueRule("421", "27A1")).to.equal("must be digits only");
    expect(aiValueRule("23", "1")).to.match(/not an application identifier/);
  });
});

describe("GS1 parsing: one AI, one value", () => {
  const twoSerials: [string, string][] = [
    ["an element string", `0100350090123456${"21SN1"}${GS}21SN2${GS}10L1`],
    ["the bracketed form", "(01)00350090123456(21)SN1(10)L1(21)SN2"],
    ["a Digital Link", "https://h/01/00350090123456/10/L1/21/SN1?7240=P1&7240=P2"],
  ];
  for (const [form, code] of twoSerials) {
    it(`refuses ${form} that carries an AI twice with different values`, () => {
      const error = errorOf(() => parseGs1(code));
      expect(error.field).to.equal("code");
      expect(error.detail).to.match(/carries AI (21|7240) twice with different values/);
    });
  }

  it("refuses a second GTIN rather than letting it replace the first", () => {
    expect(errorOf(() => parseElementString(`01003500901234560109521234543213`)).detail).to.equal(
      "code: carries AI 01 twice with different values (00350090123456 and 09521234543213)",
    );
  });

  it("reads an identical repeat once, as it names the same pack", () => {
    expect(parseGs1("(01)00350090123456(21)SN1(21)SN1").serial).to.equal("SN1");
    expect(parseGs1(`010035009012345621SN1${GS}0100350090123456`).gtin).to.equal("00350090123456");
  });
});

describe("GS1 Digital Link: identifiers in the path, attributes in the query", () => {
  const PATH = "https://id.example.com/01/00350090123456/10/LOT2024A/21/SN8X4K2Q9";

  for (const query of ["21=OTHER", "01=09521234543213", "10=OTHER", "22=V1", "ser=OTHER", "gtin=09521234543213", "00=106141412345678908"]) {
    it(`refuses ?${query}: a key or key qualifier never replaces the path's`, () => {
      const error = errorOf(() => parseDigitalLink(`${PATH}?17=270331&${query}`));
      expect(error.field).to.equal("code");
      expect(error.detail).to.match(/query must not carry AI \d+: the primary key and its qualifiers belong in the path/);
    });
  }

  it("refuses key qualifiers out of the standard's order 22, 10, 21", () => {
    expect(errorOf(() => parseDigitalLink("https://h/01/00350090123456/21/S1/10/L1?17=270331")).detail).to.match(/order \/22\/, \/10\/, \/21\//);
    expect(errorOf(() => parseDigitalLink("https://h/01/00350090123456/10/L1/22/V1")).detail).to.match(/order/);
  });

  it("accepts any subset of the qualifiers in order, the CPV included", () => {
    expect(parseDigitalLink("https://h/01/00350090123456/22/V1/21/S1").extra).to.deep.equal({ "22": "V1" });
    expect(parseDigitalLink("https://h/01/00350090123456/10/L1").lot).to.equal("L1");
  });

  it("finds the primary key after a path prefix that itself looks like an AI", () => {
    const ids = parseDigitalLink("https://h/shop/10/01/00350090123456/10/01/21/S1");
    expect(ids).to.deep.include({ gtin: "00350090123456", lot: "01", serial: "S1" });
  });

  it("percent-decodes query values and keeps a '+' as the character set 82 plus it is", () => {
    const ids = parseDigitalLink(`${PATH}?17=270331&7240=A%2FB+C`);
    expect(ids.extra).to.deep.equal({ "7240": "A/B+C" });
  });

  it("names the badly percent-encoded part of a query", () => {
    expect(errorOf(() => parseDigitalLink(`${PATH}?7240=%E0%A4%A`)).detail).to.equal("code: Digital Link value for AI 7240 is badly percent-encoded");
    expect(errorOf(() => parseDigitalLink(`${PATH}?%E0%A4%A=1`)).detail).to.equal("code: Digital Link query parameter name is badly percent-encoded");
  });

  it("leaves query parameters that are no AI to the resolver and reads the short name exp as AI 17", () => {
    expect(parseDigitalLink(`${PATH}?linkType=gs1:pip&exp=270331`).expiry).to.equal("270331");
  });

  it("refuses an AI in the query that the table does not know, as the other forms do", () => {
    expect(errorOf(() => parseDigitalLink(`${PATH}?23=1`)).detail).to.match(/unknown application identifier 23/);
    expect(errorOf(() => parseBracketed("(01)00350090123456(23)1")).detail).to.match(/unknown application identifier 23/);
    expect(errorOf(() => parseElementString("01003500901234562311")).detail).to.match(/unknown application identifier/);
  });

  it("refuses a URI that is not http(s)", () => {
    expect(errorOf(() => parseDigitalLink("ftp://h/01/00350090123456")).detail).to.match(/http\(s\)/);
  });

  for (const id of ["]Q1", "]Q3"]) {
    it(`accepts the QR symbology identifier ${id} before a Digital Link`, () => {
      expect(detectGs1Form(`${id}${PATH}`)).to.equal("digital-link");
      expect(requirePackIdentifiers(parseGs1(`${id}${PATH}?17=270331`))).to.deep.equal(PACK);
    });
  }
});

describe("GS1 parsing: the same AI table in all three forms", () => {
  const forms = (ai: string, value: string): [string, string][] => [
    ["element string", `0100350090123456${ai}${value}${GS}21S1`],
    ["bracketed", `(01)00350090123456(${ai})${value}(21)S1`],
    ["Digital Link", `https://h/01/00350090123456/21/S1?${ai}=${encodeURIComponent(value)}`],
  ];

  for (const [ai, value] of [["7003", "2703311200"], ["7240", "PROTO-1"], ["91", "internal 1".replace(" ", "_")], ["99", "X".repeat(90)], ["716", "A012345676"], ["8012", "V1.2"]] as const) {
    for (const [form, code] of forms(ai, value)) {
      it(`reads AI ${ai} in the ${form} as an extra`, () => {
        expect(parseGs1(code).extra).to.deep.equal({ [ai]: value });
      });
    }
  }

  for (const [ai, value, rule] of [["7240", "P".repeat(21), /AI 7240 \(PROTOCOL\) must be 1-20 characters/], ["7003", "27033112", /AI 7003 \(EXPIRY TIME\) must be exactly 10 digits/], ["99", "a b", /AI 99 \(INTERNAL\) must use GS1 character set 82/], ["23", "1", /unknown application identifier/]] as const) {
    for (const [form, code] of forms(ai, value)) {
      it(`refuses AI ${ai} = ${JSON.stringify(value)} in the ${form}`, () => {
        const error = errorOf(() => parseGs1(code));
        expect(error.field).to.equal("code");
        expect(error.detail).to.match(rule);
      });
    }
  }

  it("reads AIs of predefined length back to back without a separator", () => {
    const ids = parseElementString(`]d20100350090123456110101011727033131030012504102614141000416${"10"}L1`);
    expect(ids).to.deep.equal({ gtin: "00350090123456", expiry: "270331", lot: "L1", extra: { "11": "010101", "3103": "001250", "410": "2614141000416" } });
  });

  it("ends an AI of fixed but not predefined length only at a separator, as the standard requires", () => {
    expect(parseElementString(`01003500901234567003270331120${"0"}${GS}21S1`).extra).to.deep.equal({ "7003": "2703311200" });
    expect(errorOf(() => parseElementString(`0100350090123456700327033112002${"1"}S1`)).detail).to.match(/AI 7003 \(EXPIRY TIME\) must be exactly 10 digits/);
  });
});

describe("GS1 parsing: what scanners add around the code", () => {
  it("trims an element string like the other forms: trailing CR/LF, a leading BOM or spaces", () => {
    for (const code of [`${formatElementString(PACK)}\r\n`, `\uFEFF${formatElementString(PACK)}`, `  ]d2${formatElementString(PACK)}\n`]) {
      expect(requirePackIdentifiers(parseElementString(code)), JSON.stringify(code)).to.deep.equal(PACK);
      expect(requirePackIdentifiers(parseGs1(code)), JSON.stringify(code)).to.deep.equal(PACK);
    }
  });

  it("keeps a leading group separator, which is FNC1", () => {
    expect(requirePackIdentifiers(parseGs1(` ${GS}${formatElementString(PACK)}\r\n`))).to.deep.equal(PACK);
  });

  it("says empty for whitespace only, in every form", () => {
    for (const parse of [parseGs1, parseElementString, parseBracketed, parseDigitalLink]) {
      expect(errorOf(() => parse(" \r\n\t")).detail, parse.name).to.equal("code: is empty");
      expect(errorOf(() => parse("\uFEFF")).detail, parse.name).to.equal("code: is empty");
    }
  });
});

describe("GS1 SSCC (AI 00)", () => {
  // GS1 General Specifications' example SSCC: extension 1, company prefix 0614141, serial reference 234567890.
  const SSCC = "106141412345678908";

  it("computes and checks the mod-10 check digit over 17 digits", () => {
    expect(ssccOf("10614141234567890")).to.equal(SSCC);
    expect(isValidSscc(SSCC)).to.equal(true);
    expect(isValidSscc("106141412345678907")).to.equal(false);
    expect(isValidSscc("10614141234567890")).to.equal(false);
  });

  it("refuses a bad check digit or length naming the field", () => {
    expect(errorOf(() => validateSscc("sscc", "106141412345678907"))).to.include({ code: "INVALID_ARGUMENT", field: "sscc" });
    expect(errorOf(() => validateSscc("containers[0]", "1234"))).to.include({ field: "containers[0]" });
    expect(errorOf(() => validateSscc("sscc", 1061414))).to.include({ field: "sscc" });
    expect(errorOf(() => ssccOf("123"))).to.include({ field: "sscc" });
  });

  it("writes the EPC URI with the company prefix split off", () => {
    expect(ssccEpc(SSCC)).to.equal("urn:epc:id:sscc:0614141.1234567890");
    expect(ssccEpc(SSCC, 9)).to.equal("urn:epc:id:sscc:061414123.14567890");
  });

  it("reads an SSCC from a logistic label scan in every form, and nothing from a pack's", () => {
    expect(scannedSscc(SSCC)).to.equal(SSCC);
    expect(scannedSscc(`00${SSCC}`)).to.equal(SSCC);
    expect(scannedSscc(`]C100${SSCC}`)).to.equal(SSCC);
    expect(scannedSscc(`(00)${SSCC}`)).to.equal(SSCC);
    expect(scannedSscc(`https://id.gs1.org/00/${SSCC}`)).to.equal(SSCC);
    expect(scannedSscc(`(00)${SSCC}(400)PO123`)).to.equal(SSCC);
    expect(scannedSscc(formatBracketed(PACK))).to.equal(undefined);
    expect(scannedSscc(`(01)${PACK.gtin}(21)SN1`)).to.equal(undefined);
  });

  it("refuses a label scan with a bad check digit naming sscc, and an unknown AI", () => {
    expect(errorOf(() => scannedSscc("(00)106141412345678907"))).to.include({ field: "sscc" });
    expect(errorOf(() => scannedSscc("106141412345678907"))).to.include({ field: "sscc" });
    expect(errorOf(() => scannedSscc(`(00)${SSCC}(23)X`))).to.include({ field: "code" });
  });
});
