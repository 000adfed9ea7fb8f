/** fast-check arbitraries for hostile input: broken GS1 strings, unicode, absurd numbers, wrong types. */
import fc from "fast-check";

const GS = "\u001d";

/** Strings that look like GS1 data and are not (or are only just) valid. */
export const gs1ish: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[0-9]{13}$/),
  fc.stringMatching(/^[0-9]{15}$/),
  fc.stringMatching(/^[0-9]{14}$/), // mostly a wrong check digit
  fc.constantFrom("09521234543214", "14567815983468", "0952123454321A", "", " ", "0".repeat(14), "9".repeat(14)),
  fc.stringMatching(/^[ -~]{21,40}$/), // too long for AI 10 / 21
  fc.constantFrom(`SN${GS}1`, "SN 1", "SN\u00e91", "SN/../1", "%00", "🧪💊", "\u202eSN1", "SN\u00001", "<script>", "'; DROP"),
  fc.constantFrom("270231", "271301", "000000", "27033", "2703311", "YYMMDD"),
);

/** Numbers a temperature, count or timestamp field must not accept silently. */
export const absurdNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }),
  fc.constantFrom(-8001, 8001, -27316, 1e15, -1e15, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0.5, -0.0001, 1e308),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value of a type a field probably does not want. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  absurdNumber,
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

/** A hostile value for one field: GS1 look-alikes, absurd numbers, wrong types, long or odd unicode. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: gs1ish },
  { weight: 3, arbitrary: wrongType },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 201, max: 5000 }).map((n) => "x".repeat(n)) },
);
