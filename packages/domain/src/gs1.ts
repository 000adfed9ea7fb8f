import { invalidArgument } from "./errors";

/** ASCII 29, the GS1 group separator (FNC1 in a DataMatrix element string). */
export const GS = "\u001d";
/** Symbology identifier a scanner may prepend to a GS1 DataMatrix. */
export const DATAMATRIX_SYMBOLOGY_ID = "]d2";
/**
 * Symbology identifiers a scanner may prepend to an element string: GS1
 * DataMatrix, GS1-128, GS1 DataBar, GS1 QR Code, GS1 DotCode.
 */
const ELEMENT_STRING_SYMBOLOGY_IDS = ["]d2", "]C1", "]e0", "]Q3", "]J1"];
/** Symbology identifiers before a Digital Link URI: QR Code (plain or GS1 mode) and plain DataMatrix. */
const DIGITAL_LINK_SYMBOLOGY_IDS = ["]Q1", "]Q3", "]d1"];

/** Application identifiers rxtrace reads. */
export const AI = { SSCC: "00", GTIN: "01", EXPIRY: "17", LOT: "10", SERIAL: "21" } as const;

/** Identifiers read from a GS1 barcode or URL. */
export interface Gs1Identifiers {
  gtin: string;
  serial?: string;
  lot?: string;
  expiry?: string;
  /** Other application identifiers present, by AI. */
  extra: Record<string, string>;
}

/** A pack's full identity as printed on it. */
export interface PackIdentifiers {
  gtin: string;
  serial: string;
  lot: string;
  expiry: string;
}

/** GS1 mod-10 check digit of the digits before it. */
export function gtinCheckDigit(body: string): number {
  let sum = 0;
  for (let i = body.length - 1, weight = 3; i >= 0; i--, weight = 4 - weight) {
    sum += (body.charCodeAt(i) - 48) * weight;
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidGtin(value: string): boolean {
  return /^\d{14}$/.test(value) && gtinCheckDigit(value.slice(0, 13)) === Number(value[13]);
}

export function validateGtin(field: string, value: unknown): string {
  if (typeof value !== "string" || !/^\d{14}$/.test(value)) throw invalidArgument(field, "must be a GTIN of exactly 14 digits");
  const expected = gtinCheckDigit(value.slice(0, 13));
  if (expected !== Number(value[13])) throw invalidArgument(field, `check digit must be ${expected}`);
  return value;
}

/**
 * A Serial Shipping Container Code (AI 00): 18 digits, the last a GS1 mod-10
 * check digit over the 17 before it (the same algorithm as a GTIN's).
 */
export function isValidSscc(value: string): boolean {
  return /^\d{18}$/.test(value) && gtinCheckDigit(value.slice(0, 17)) === Number(value[17]);
}

export function validateSscc(field: string, value: unknown): string {
  if (typeof value !== "string" || !/^\d{18}$/.test(value)) throw invalidArgument(field, "must be an SSCC of exactly 18 digits");
  const expected = gtinCheckDigit(value.slice(0, 17));
  if (expected !== Number(value[17])) throw invalidArgument(field, `check digit must be ${expected}`);
  return value;
}

/** An SSCC with its check digit computed from the first 17 digits (extension digit, company prefix, serial reference). */
export function ssccOf(body17: string): string {
  if (!/^\d{17}$/.test(body17)) throw invalidArgument("sscc", "an SSCC body is 17 digits");
  return `${body17}${gtinCheckDigit(body17)}`;
}

/** EPC URI of an SSCC (EPC Tag Data Standard): urn:epc:id:sscc:{company prefix}.{extension digit}{serial reference}. */
export function ssccEpc(sscc: string, companyPrefixLength = 7): string {
  const extension = sscc.slice(0, 1);
  const prefix = sscc.slice(1, 1 + companyPrefixLength);
  const serialRef = sscc.slice(1 + companyPrefixLength, 17);
  return `urn:epc:id:sscc:${prefix}.${extension}${serialRef}`;
}

// GS1 character set 82: ! " % & ' ( ) * + , - . / 0-9 : ; < = > ? A-Z _ a-z
const CHARSET_82 = /^[!"%-?A-Z_a-z]*$/;
// GS1 character set 39: # - / 0-9 A-Z
const CHARSET_39 = /^[#\-/0-9A-Z]*$/;
const NUMERIC = /^[0-9]*$/;

export function isValidGs1Chars(value: string): boolean {
  return CHARSET_82.test(value);
}

export interface Gs1Date {
  year: number;
  month: number;
  day: number;
  /** YYYY-MM-DD with day 00 resolved to the month's last day. */
  isoDate: string;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function referenceYear(referenceIso: string): number {
  const match = /^(\d{4})-/.exec(referenceIso);
  if (!match) throw new TypeError(`reference date must be ISO 8601 (YYYY-MM-DD...), got ${JSON.stringify(referenceIso)}`);
  return Number(match[1]);
}

/**
 * The four-digit year of a two-digit GS1 year, by the sliding window of the
 * GS1 General Specifications (7.12): relative to the reference year's last two
 * digits, a difference of 51..99 means the previous century, -99..-50 the
 * next century, anything else the reference's century. A label printed today
 * with year 99 is from 1999, one with year 30 means 2030.
 */
export function gs1FullYear(twoDigitYear: number, referenceIso: string): number {
  const reference = referenceYear(referenceIso);
  const century = reference - (reference % 100);
  const difference = twoDigitYear - (reference % 100);
  if (difference >= 51) return century - 100 + twoDigitYear;
  if (difference <= -50) return century + 100 + twoDigitYear;
  return century + twoDigitYear;
}

/**
 * Parses YYMMDD; day 00 means the last day of the month. The century comes
 * from the sliding window around the reference date (a transaction's
 * timestamp in chaincode, the clock in the gateway). Undefined when invalid.
 */
export function parseYymmdd(value: string, referenceIso: string): Gs1Date | undefined {
  const match = /^(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!match) return undefined;
  const year = gs1FullYear(Number(match[1]), referenceIso);
  const month = Number(match[2]);
  let day = Number(match[3]);
  if (month < 1 || month > 12) return undefined;
  const last = daysInMonth(year, month);
  if (day === 0) day = last;
  if (day > last) return undefined;
  const isoDate = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  return { year, month, day, isoDate };
}

/**
 * True when YYMMDD names a calendar day in a century the sliding window can
 * give (29 February when YY is divisible by 4, as for every year 2000-2099);
 * day 00 allowed only when `dayZero` is.
 */
function isYymmdd(value: string, dayZero: boolean): boolean {
  const match = /^(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!match) return false;
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12) return false;
  if (day === 0) return dayZero;
  const leap = Number(match[1]) % 4 === 0;
  return day <= (month === 2 ? (leap ? 29 : 28) : daysInMonth(2001, month));
}

/** Expiry (AI 17): YYMMDD, day 00 = last day of the month. Which century it is in needs a reference date: see parseYymmdd. */
export function validateExpiry(field: string, value: unknown): string {
  if (typeof value !== "string" || !/^\d{6}$/.test(value)) throw invalidArgument(field, "must be a date YYMMDD");
  if (!isYymmdd(value, true)) throw invalidArgument(field, "must be a real calendar date YYMMDD (day 00 = last day of month)");
  return value;
}

/** True when the expiry day (UTC) ended before the given ISO date-time, which is also the century's reference. */
export function isExpired(expiry: string, atIso: string): boolean {
  const date = parseYymmdd(expiry, atIso);
  return date !== undefined && atIso.slice(0, 10) > date.isoDate;
}

// ---------------------------------------------------------------------------
// The application identifier table, shared by the three forms.

type Charset = "N" | "X" | "Y";
type Linter = "csum" | "yymmd0" | "yymmdd" | "hhmm" | "zero";

interface Component {
  charset: Charset;
  min: number;
  max: number;
  optional: boolean;
  linter?: Linter;
}

/** One AI as the table knows it. */
export interface AiDefinition {
  ai: string;
  title: string;
  /** GS1 format of the data, e.g. "N14,csum", "X..20", "N6,yymmdd N4,hhmm". */
  format: string;
  /** Predefined length (first two digits in the GS1 predefined-length table): no separator follows it. */
  predefined: boolean;
  minLength: number;
  maxLength: number;
  components: readonly Component[];
}

/**
 * Total length (AI and data) of the element strings whose AI starts with
 * these two digits: the GS1 General Specifications' table of predefined
 * lengths. Only these may be followed by the next AI without a separator.
 */
export const PREDEFINED_LENGTH: Readonly<Record<string, number>> = {
  "00": 20, "01": 16, "02": 16, "03": 16, "04": 18,
  "11": 8, "12": 8, "13": 8, "14": 8, "15": 8, "16": 8, "17": 8, "18": 8, "19": 8,
  "20": 4, "31": 10, "32": 10, "33": 10, "34": 10, "35": 10, "36": 10, "41": 16,
};

/** Measure AIs nnnd (d = decimal places 0-5, data N6), by their first three digits. */
const MEASURE_PREFIXES = [
  ...range(310, 316), ...range(320, 329), ...range(330, 337), ...range(340, 349), ...range(350, 357), ...range(360, 369),
];

function range(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
}

/**
 * The AIs rxtrace reads, with their format from the GS1 General
 * Specifications: N numeric, X character set 82, Y character set 39; "N..8"
 * up to 8; "[...]" an optional last component; linters after a comma.
 * An AI missing here is refused in every form.
 */
const AI_FORMATS: readonly (readonly [ais: string | readonly string[], format: string, title: string])[] = [
  ["00", "N18,csum", "SSCC"],
  ["01", "N14,csum", "GTIN"],
  ["02", "N14,csum", "CONTENT"],
  ["10", "X..20", "BATCH/LOT"],
  ["11", "N6,yymmd0", "PROD DATE"],
  ["12", "N6,yymmd0", "DUE DATE"],
  ["13", "N6,yymmd0", "PACK DATE"],
  ["15", "N6,yymmd0", "BEST BEFORE"],
  ["16", "N6,yymmd0", "SELL BY"],
  ["17", "N6,yymmd0", "EXPIRY"],
  ["20", "N2", "VARIANT"],
  ["21", "X..20", "SERIAL"],
  ["22", "X..20", "CPV"],
  ["235", "X..28", "TPX"],
  ["240", "X..30", "ADDITIONAL ID"],
  ["241", "X..30", "CUST. PART No."],
  ["242", "N..6", "MTO VARIANT"],
  ["243", "X..20", "PCN"],
  ["250", "X..30", "SECONDARY SERIAL"],
  ["251", "X..30", "REF. TO SOURCE"],
  ["253", "N13,csum [X..17]", "GDTI"],
  ["254", "X..20", "GLN EXTENSION COMPONENT"],
  ["255", "N13,csum [N..12]", "GCN"],
  ["30", "N..8", "VAR. COUNT"],
  [MEASURE_PREFIXES.flatMap((p) => range(0, 5).map((d) => `${p}${d}`)), "N6", "MEASURE"],
  ["37", "N..8", "COUNT"],
  ["400", "X..30", "ORDER NUMBER"],
  ["401", "X..30", "GINC"],
  ["402", "N17,csum", "GSIN"],
  ["403", "X..30", "ROUTE"],
  [range(410, 417), "N13,csum", "GLN"],
  ["420", "X..20", "SHIP TO POST"],
  ["421", "N3 X..9", "SHIP TO POST"],
  ["422", "N3", "ORIGIN"],
  ["7001", "N13", "NSN"],
  ["7003", "N6,yymmdd N4,hhmm", "EXPIRY TIME"],
  ["7004", "N..4", "ACTIVE POTENCY"],
  ["7040", "N1 X3", "UIC+EXT"],
  [range(710, 717), "X..20", "NHRN"],
  ["7240", "X..20", "PROTOCOL"],
  ["8003", "N1,zero N13,csum [X..16]", "GRAI"],
  ["8004", "X..30", "GIAI"],
  ["8006", "N14,csum N4", "ITIP"],
  ["8010", "Y..30", "CPID"],
  ["8011", "N..12", "CPID SERIAL"],
  ["8012", "X..20", "VERSION"],
  ["8013", "X..25", "GMN"],
  ["8017", "N18,csum", "GSRN - PROVIDER"],
  ["8018", "N18,csum", "GSRN - RECIPIENT"],
  ["8019", "N..10", "SRIN"],
  ["8020", "X..25", "REF No."],
  ["8026", "N14,csum N4", "ITIP CONTENT"],
  ["8200", "X..70", "PRODUCT URL"],
  ["90", "X..30", "INTERNAL"],
  [range(91, 99), "X..90", "INTERNAL"],
];

function parseFormat(ai: string, format: string): Component[] {
  return format.split(" ").map((part) => {
    const match = /^(\[)?([NXY])(\.\.)?(\d+)(?:,(csum|yymmd0|yymmdd|hhmm|zero))?(\])?$/.exec(part);
    if (!match || Boolean(match[1]) !== Boolean(match[6])) throw new Error(`AI ${ai}: bad format component ${part}`);
    const max = Number(match[4]);
    const component: Component = { charset: match[2] as Charset, min: match[3] ? 1 : max, max, optional: match[1] !== undefined };
    if (match[5] !== undefined) component.linter = match[5] as Linter;
    return component;
  });
}

function define(ai: string, format: string, title: string): AiDefinition {
  const components = parseFormat(ai, format);
  const fixed = components.slice(0, -1);
  if (fixed.some((c) => c.min !== c.max || c.optional)) throw new Error(`AI ${ai}: only the last component may vary`);
  const minLength = components.reduce((n, c) => n + (c.optional ? 0 : c.min), 0);
  const maxLength = components.reduce((n, c) => n + c.max, 0);
  const total = PREDEFINED_LENGTH[ai.slice(0, 2)];
  if (total !== undefined && (minLength !== maxLength || ai.length + maxLength !== total)) {
    throw new Error(`AI ${ai}: the predefined-length table gives ${total} characters in all`);
  }
  return { ai, title, format, predefined: total !== undefined, minLength, maxLength, components };
}

/** Every AI the parsers know, by AI. */
export const AI_TABLE: ReadonlyMap<string, AiDefinition> = new Map(
  AI_FORMATS.flatMap(([ais, format, title]) => (typeof ais === "string" ? [ais] : ais).map((ai) => [ai, define(ai, format, title)] as const)),
);

const CHARSET_RULES: Record<Charset, [RegExp, string]> = {
  N: [NUMERIC, "must be digits only"],
  X: [CHARSET_82, "must use GS1 character set 82 only"],
  Y: [CHARSET_39, "must use GS1 character set 39 only"],
};

function lengthRule(definition: AiDefinition): string {
  const unit = definition.components.every((c) => c.charset === "N") ? "digits" : "characters";
  const { minLength: min, maxLength: max } = definition;
  return min === max ? `must be exactly ${max} ${unit}` : `must be ${min}-${max} ${unit}`;
}

function lintRule(linter: Linter, part: string): string | undefined {
  switch (linter) {
    case "csum":
      return gtinCheckDigit(part.slice(0, -1)) === Number(part.slice(-1)) ? undefined : `has check digit ${part.slice(-1)}, must be ${gtinCheckDigit(part.slice(0, -1))}`;
    case "yymmd0":
      return isYymmdd(part, true) ? undefined : "must be a real calendar date YYMMDD (day 00 = last day of month)";
    case "yymmdd":
      return isYymmdd(part, false) ? undefined : "must be a real calendar date YYMMDD";
    case "hhmm":
      return /^([01]\d|2[0-3])[0-5]\d$/.test(part) ? undefined : "must give a time HHMM";
    case "zero":
      return part === "0" ? undefined : "must start with 0";
  }
}

/**
 * The rule a value breaks for its AI (length, character set, check digit,
 * date), or undefined when it is valid; "unknown" when the table lacks the AI.
 */
export function aiValueRule(ai: string, value: string): string | undefined {
  const definition = AI_TABLE.get(ai);
  if (definition === undefined) return "is not an application identifier rxtrace knows";
  if (value.length < definition.minLength || value.length > definition.maxLength) return lengthRule(definition);
  let at = 0;
  for (const component of definition.components) {
    const part = component.min === component.max && !component.optional ? value.slice(at, at + component.max) : value.slice(at);
    at += part.length;
    if (part.length === 0 && component.optional) continue;
    const [charset, rule] = CHARSET_RULES[component.charset];
    if (!charset.test(part)) return rule;
    const broken = component.linter === undefined ? undefined : lintRule(component.linter, part);
    if (broken !== undefined) return broken;
  }
  return undefined;
}

function validateAiValue(field: string, ai: string, value: unknown): string {
  if (typeof value !== "string") throw invalidArgument(field, "must be a string");
  const rule = aiValueRule(ai, value);
  if (rule !== undefined) throw invalidArgument(field, rule);
  return value;
}

/** Serial (AI 21): 1-20 characters of GS1 character set 82. */
export function validateSerial(field: string, value: unknown): string {
  return validateAiValue(field, AI.SERIAL, value);
}

/** Lot (AI 10): 1-20 characters of GS1 character set 82. */
export function validateLot(field: string, value: unknown): string {
  return validateAiValue(field, AI.LOT, value);
}

// ---------------------------------------------------------------------------
// The three forms.

export type Gs1Form = "element-string" | "bracketed" | "digital-link";

function fail(rule: string): never {
  throw invalidArgument("code", rule);
}

/**
 * The scanned text without what scanners and copy-paste add around it: a
 * byte order mark, spaces, a keyboard scanner's CR/LF. A group separator at
 * the start stays (it is FNC1).
 */
function trimmed(input: string): string {
  const text = input.replace(/^\uFEFF/, "").trim();
  if (text.length === 0) fail("is empty");
  return text;
}

function withoutSymbologyId(text: string, ids: readonly string[]): string {
  return ids.some((id) => text.startsWith(id)) ? text.slice(3) : text;
}

/** Which of the three forms the text is in. */
export function detectGs1Form(input: string): Gs1Form {
  const text = withoutSymbologyId(input.replace(/^\uFEFF/, "").trim(), [...ELEMENT_STRING_SYMBOLOGY_IDS, ...DIGITAL_LINK_SYMBOLOGY_IDS]);
  if (/^https?:\/\//i.test(text)) return "digital-link";
  if (text.startsWith("(")) return "bracketed";
  return "element-string";
}

/**
 * Checks each AI against the table and reads the pack's identifiers. The same
 * AI twice is refused when the values differ (GS1 General Specifications:
 * one AI, one value per item); an identical repeat says nothing new and is
 * read once.
 */
function toIdentifiers(pairs: readonly (readonly [string, string])[]): Gs1Identifiers {
  const values = new Map<string, string>();
  for (const [ai, value] of pairs) {
    if (!AI_TABLE.has(ai)) fail(`unknown application identifier ${ai}`);
    const earlier = values.get(ai);
    if (earlier !== undefined && earlier !== value) fail(`carries AI ${ai} twice with different values (${earlier} and ${value})`);
    values.set(ai, value);
  }
  const extra: Record<string, string> = {};
  let gtin: string | undefined;
  const ids: Omit<Gs1Identifiers, "gtin" | "extra"> = {};
  for (const [ai, value] of values) {
    if (ai === AI.GTIN) gtin = validateGtin("gtin", value);
    else if (ai === AI.SERIAL) ids.serial = validateSerial("serial", value);
    else if (ai === AI.LOT) ids.lot = validateLot("lot", value);
    else if (ai === AI.EXPIRY) ids.expiry = validateExpiry("expiry", value);
    else {
      const rule = aiValueRule(ai, value);
      if (rule !== undefined) fail(`AI ${ai} (${AI_TABLE.get(ai)?.title ?? ai}) ${rule}`);
      extra[ai] = value;
    }
  }
  if (gtin === undefined) fail("must contain a GTIN (AI 01)");
  return { gtin, ...ids, extra };
}

function readAi(text: string, at: number): AiDefinition {
  // No AI is the prefix of another, so the first match is the only one.
  for (const length of [2, 3, 4]) {
    const definition = AI_TABLE.get(text.slice(at, at + length));
    if (definition) return definition;
  }
  return fail(`unknown application identifier at position ${at}: ${text.slice(at, at + 4)}`);
}

/**
 * Parses a GS1 element string as a scanner returns it: optional symbology
 * identifier (]d2, ]C1, ]e0, ]Q3, ]J1), optional leading GS (FNC1 as ZXing
 * returns it); AIs of predefined length are read by that length, the others
 * end at GS or the end.
 */
export function parseElementString(input: string): Gs1Identifiers {
  return toIdentifiers(elementStringPairs(input));
}

function elementStringPairs(input: string): [string, string][] {
  let text = withoutSymbologyId(trimmed(input), ELEMENT_STRING_SYMBOLOGY_IDS);
  while (text.startsWith(GS)) text = text.slice(1);
  if (text.length === 0) fail("is empty");
  const pairs: [string, string][] = [];
  let at = 0;
  while (at < text.length) {
    const definition = readAi(text, at);
    at += definition.ai.length;
    let value: string;
    if (definition.predefined) {
      value = text.slice(at, at + definition.maxLength);
      if (value.length !== definition.maxLength) fail(`AI ${definition.ai} needs ${definition.maxLength} characters`);
      at += definition.maxLength;
      if (text[at] === GS) at++;
    } else {
      const end = text.indexOf(GS, at);
      value = end === -1 ? text.slice(at) : text.slice(at, end);
      at = end === -1 ? text.length : end + 1;
    }
    pairs.push([definition.ai, value]);
  }
  return pairs;
}

/** Parses the human-readable form `(01)...(17)...(10)...(21)...`. */
export function parseBracketed(input: string): Gs1Identifiers {
  return toIdentifiers(bracketedPairs(input));
}

function bracketedPairs(input: string): [string, string][] {
  const text = trimmed(input);
  const pattern = /\((\d{2,4})\)([^(]*)/gy;
  const pairs: [string, string][] = [];
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = pattern.exec(text)) !== null) {
    pairs.push([match[1] ?? "", match[2] ?? ""]);
    consumed = pattern.lastIndex;
  }
  if (pairs.length === 0 || consumed !== text.length) fail("must be (AI)value pairs such as (01)09521234543213(21)SN1");
  return pairs;
}

/**
 * GS1 Digital Link primary keys rxtrace's table knows, each with the
 * sequences its key qualifiers may follow in the path (any of them may be
 * left out, none reordered): /01/{gtin}/22/{cpv}/10/{lot}/21/{serial}.
 */
const DL_PRIMARY_KEYS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  "00": [],
  "01": [["22", "10", "21"], ["235"]],
  "253": [],
  "255": [],
  "401": [],
  "402": [],
  "414": [["254"], ["7040"]],
  "417": [["7040"]],
  "8003": [],
  "8004": [["7040"]],
  "8006": [["22", "10", "21"]],
  "8010": [["8011"]],
  "8013": [],
  "8017": [["8019"]],
  "8018": [["8019"]],
};
const DL_KEY_QUALIFIERS = new Set(Object.values(DL_PRIMARY_KEYS).flat(2));
/** The short names Digital Link 1.1 allowed in place of AIs. */
const DL_SHORT_NAMES: Readonly<Record<string, string>> = { gtin: "01", cpv: "22", lot: "10", ser: "21", exp: "17" };

function isDlIdentifier(ai: string): boolean {
  return ai in DL_PRIMARY_KEYS || DL_KEY_QUALIFIERS.has(ai);
}

/** The AI a path segment or query key names: digits, or a short name; undefined for anything else. */
function dlAi(name: string): string | undefined {
  return /^\d{2,4}$/.test(name) ? name : DL_SHORT_NAMES[name];
}

/** Percent-decodes a path segment or query part; `what` names it in the error. */
function dlDecode(what: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return fail(`Digital Link ${what} is badly percent-encoded`);
  }
}

/** Where the primary key starts: the path ends in /{key}/{value} and then qualifier pairs only; anything before is the URI's own prefix. */
function findPrimaryKey(segments: readonly string[]): number {
  for (let i = segments.length - 2; i >= 0; i -= 2) {
    const ai = dlAi(segments[i] ?? "");
    if (ai === undefined) break;
    if (ai in DL_PRIMARY_KEYS) return i;
    if (!DL_KEY_QUALIFIERS.has(ai)) break;
  }
  const first = segments.findIndex((s) => dlAi(s) === AI.GTIN);
  if (first === -1) fail("Digital Link path must contain /01/{gtin}");
  const dangling = segments.length % 2 === first % 2 ? undefined : segments[segments.length - 1];
  if (dangling !== undefined) fail(`Digital Link path segment ${dangling} is not a key qualifier with a value`);
  return fail("Digital Link path after /01/{gtin} must hold only key qualifiers /22/, /10/, /21/ with their values");
}

function checkQualifierOrder(key: string, qualifiers: readonly string[]): void {
  const allowed = DL_PRIMARY_KEYS[key] ?? [];
  const fits = (sequence: readonly string[]): boolean => {
    let last = -1;
    return qualifiers.every((q) => {
      const at = sequence.indexOf(q);
      const ok = at > last;
      last = at;
      return ok;
    });
  };
  if (qualifiers.length > 0 && !allowed.some(fits)) {
    const orders = allowed.map((sequence) => sequence.map((q) => `/${q}/`).join(", ")).join(" or ");
    fail(`Digital Link key qualifiers of AI ${key} must follow the order ${orders || "(none allowed)"}; got ${qualifiers.map((q) => `/${q}/`).join(", ")}`);
  }
}

/**
 * Parses a GS1 Digital Link URI `https://host/{prefix}/01/{gtin}/10/{lot}/21/{serial}?17=YYMMDD`:
 * the path holds the primary key and its key qualifiers in the standard's
 * order; the query holds data attributes only, so a key or qualifier there is
 * refused rather than replacing what the path says. Query parameters that are
 * no AI (linkType, ...) are left to the resolver and ignored.
 */
export function parseDigitalLink(input: string): Gs1Identifiers {
  return toIdentifiers(digitalLinkPairs(input));
}

function digitalLinkPairs(input: string): [string, string][] {
  const text = withoutSymbologyId(trimmed(input), DIGITAL_LINK_SYMBOLOGY_IDS);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail("must be an absolute GS1 Digital Link URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") fail("must be an http(s) GS1 Digital Link URL");
  const segments = url.pathname.split("/").filter((s) => s.length > 0);
  const start = findPrimaryKey(segments);
  const pairs: [string, string][] = [];
  for (let i = start; i < segments.length; i += 2) {
    const ai = dlAi(segments[i] ?? "") ?? "";
    const value = dlDecode(`value for AI ${ai}`, segments[i + 1] ?? "");
    // A Digital Link may carry a GTIN-8, -12 or -13: it is the GTIN-14 with leading zeros.
    pairs.push([ai, ai === AI.GTIN && /^(\d{8}|\d{12}|\d{13})$/.test(value) ? value.padStart(14, "0") : value]);
  }
  checkQualifierOrder(pairs[0]?.[0] ?? "", pairs.slice(1).map(([ai]) => ai));
  for (const parameter of url.search.slice(1).split("&")) {
    if (parameter === "") continue;
    const split = parameter.indexOf("=");
    const key = dlDecode("query parameter name", split === -1 ? parameter : parameter.slice(0, split));
    const ai = dlAi(key);
    if (ai === undefined) continue;
    if (isDlIdentifier(ai)) fail(`Digital Link query must not carry AI ${ai}: the primary key and its qualifiers belong in the path`);
    pairs.push([ai, split === -1 ? "" : dlDecode(`value for AI ${ai}`, parameter.slice(split + 1))]);
  }
  return pairs;
}

/** Parses any of the three forms, detected from the text. */
export function parseGs1(input: string): Gs1Identifiers {
  return toIdentifiers(pairsOf(input));
}

function pairsOf(input: string): [string, string][] {
  switch (detectGs1Form(input)) {
    case "digital-link":
      return digitalLinkPairs(input);
    case "bracketed":
      return bracketedPairs(input);
    case "element-string":
      return elementStringPairs(input);
  }
}

/**
 * The SSCC a scan of a logistic label carries, or undefined when the scan is
 * a pack's (it has a GTIN, AI 01). Reads the 18 digits as printed under the
 * barcode, and any of the three forms with AI 00: (00)..., 00... in a GS1-128,
 * https://host/00/{sscc}. A bad check digit is refused with field `sscc`.
 */
export function scannedSscc(input: string): string | undefined {
  const text = trimmed(input);
  if (/^\d{18}$/.test(text)) return validateSscc("sscc", text);
  const pairs = pairsOf(text);
  const sscc = pairs.find(([ai]) => ai === AI.SSCC)?.[1];
  if (sscc === undefined || pairs.some(([ai]) => ai === AI.GTIN)) return undefined;
  const unknown = pairs.find(([ai]) => !AI_TABLE.has(ai));
  if (unknown) fail(`unknown application identifier ${unknown[0]}`);
  return validateSscc("sscc", sscc);
}

/** Narrows parsed identifiers to a full pack identity or names the missing AI. */
export function requirePackIdentifiers(ids: Gs1Identifiers): PackIdentifiers {
  if (ids.serial === undefined) fail("must contain a serial (AI 21)");
  if (ids.lot === undefined) fail("must contain a lot (AI 10)");
  if (ids.expiry === undefined) fail("must contain an expiry (AI 17)");
  return { gtin: ids.gtin, serial: ids.serial, lot: ids.lot, expiry: ids.expiry };
}

/** Element string as encoded in a DataMatrix (GS after variable fields; no symbology id). */
export function formatElementString(ids: PackIdentifiers): string {
  return `01${ids.gtin}17${ids.expiry}10${ids.lot}${GS}21${ids.serial}`;
}

export function formatBracketed(ids: PackIdentifiers): string {
  return `(01)${ids.gtin}(17)${ids.expiry}(10)${ids.lot}(21)${ids.serial}`;
}

export function formatDigitalLink(origin: string, ids: PackIdentifiers): string {
  const base = origin.replace(/\/+$/, "");
  return `${base}/01/${ids.gtin}/10/${encodeURIComponent(ids.lot)}/21/${encodeURIComponent(ids.serial)}?17=${ids.expiry}`;
}
