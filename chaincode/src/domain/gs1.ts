import { invalidArgument } from "./errors";

/** ASCII 29, the GS1 group separator (FNC1 in a DataMatrix element string). */
export const GS = "\u001d";
/** Symbology identifier a scanner may prepend to a GS1 DataMatrix. */
export const DATAMATRIX_SYMBOLOGY_ID = "]d2";

/** Application identifiers rxtrace reads. */
export const AI = { GTIN: "01", EXPIRY: "17", LOT: "10", SERIAL: "21" } as const;

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

// GS1 character set 82: ! " % & ' ( ) * + , - . / 0-9 : ; < = > ? A-Z _ a-z
const CHARSET_82 = /^[!"%-?A-Z_a-z]*$/;

export function isValidGs1Chars(value: string): boolean {
  return CHARSET_82.test(value);
}

function validateCharset82(field: string, value: unknown, max: number): string {
  if (typeof value !== "string" || value.length < 1 || value.length > max) {
    throw invalidArgument(field, `must be 1-${max} characters`);
  }
  if (!CHARSET_82.test(value)) throw invalidArgument(field, "must use GS1 character set 82 only");
  return value;
}

/** Serial (AI 21): 1-20 characters of GS1 character set 82. */
export function validateSerial(field: string, value: unknown): string {
  return validateCharset82(field, value, 20);
}

/** Lot (AI 10): 1-20 characters of GS1 character set 82. */
export function validateLot(field: string, value: unknown): string {
  return validateCharset82(field, value, 20);
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

/** Parses YYMMDD (years 20YY); day 00 means the last day of the month. Undefined when invalid. */
export function parseYymmdd(value: string): Gs1Date | undefined {
  const match = /^(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!match) return undefined;
  const year = 2000 + Number(match[1]);
  const month = Number(match[2]);
  let day = Number(match[3]);
  if (month < 1 || month > 12) return undefined;
  const last = daysInMonth(year, month);
  if (day === 0) day = last;
  if (day > last) return undefined;
  const isoDate = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  return { year, month, day, isoDate };
}

/** Expiry (AI 17): YYMMDD, day 00 = last day of the month. */
export function validateExpiry(field: string, value: unknown): string {
  if (typeof value !== "string" || !/^\d{6}$/.test(value)) throw invalidArgument(field, "must be a date YYMMDD");
  if (!parseYymmdd(value)) throw invalidArgument(field, "must be a real calendar date YYMMDD (day 00 = last day of month)");
  return value;
}

/** True when the expiry day (UTC) ended before the given ISO date-time. */
export function isExpired(expiry: string, atIso: string): boolean {
  const date = parseYymmdd(expiry);
  return date !== undefined && atIso.slice(0, 10) > date.isoDate;
}

// Fixed-length AIs (total data length); the rest end at GS or the end.
const FIXED_LENGTH: Record<string, number> = { "00": 18, "01": 14, "02": 14, "11": 6, "12": 6, "13": 6, "15": 6, "16": 6, "17": 6, "20": 2 };
const VARIABLE_AIS = ["10", "21", "22", "240", "241", "710", "711", "712", "713", "714"];

function fail(rule: string): never {
  throw invalidArgument("code", rule);
}

function toIdentifiers(pairs: [string, string][]): Gs1Identifiers {
  const extra: Record<string, string> = {};
  let gtin: string | undefined;
  let serial: string | undefined;
  let lot: string | undefined;
  let expiry: string | undefined;
  for (const [ai, value] of pairs) {
    if (ai === AI.GTIN) gtin = validateGtin("gtin", value);
    else if (ai === AI.SERIAL) serial = validateSerial("serial", value);
    else if (ai === AI.LOT) lot = validateLot("lot", value);
    else if (ai === AI.EXPIRY) expiry = validateExpiry("expiry", value);
    else extra[ai] = value;
  }
  if (gtin === undefined) fail("must contain a GTIN (AI 01)");
  const ids: Gs1Identifiers = { gtin, extra };
  if (serial !== undefined) ids.serial = serial;
  if (lot !== undefined) ids.lot = lot;
  if (expiry !== undefined) ids.expiry = expiry;
  return ids;
}

function readAi(text: string, at: number): string {
  for (const ai of [text.slice(at, at + 2), text.slice(at, at + 3)]) {
    if (ai in FIXED_LENGTH || VARIABLE_AIS.includes(ai)) return ai;
  }
  return fail(`unknown application identifier at position ${at}: ${text.slice(at, at + 4)}`);
}

/**
 * Parses a GS1 DataMatrix element string: optional `]d2`, optional leading GS
 * (FNC1 as ZXing returns it), fixed-length AIs 01/17/..., variable-length AIs
 * 10/21/... ended by GS or the end.
 */
export function parseElementString(input: string): Gs1Identifiers {
  // Any GS1 symbology identifier: ]d2 DataMatrix, ]Q3 QR, ]C1 GS1-128, ]e0 DataBar.
  let text = /^\](d2|Q3|C1|e0)/.test(input) ? input.slice(DATAMATRIX_SYMBOLOGY_ID.length) : input;
  while (text.startsWith(GS)) text = text.slice(1);
  if (text.length === 0) fail("is empty");
  const pairs: [string, string][] = [];
  let at = 0;
  while (at < text.length) {
    const ai = readAi(text, at);
    at += ai.length;
    const fixed = FIXED_LENGTH[ai];
    let value: string;
    if (fixed !== undefined) {
      value = text.slice(at, at + fixed);
      if (value.length !== fixed) fail(`AI ${ai} needs ${fixed} characters`);
      at += fixed;
      if (text[at] === GS) at++;
    } else {
      const end = text.indexOf(GS, at);
      value = end === -1 ? text.slice(at) : text.slice(at, end);
      at = end === -1 ? text.length : end + 1;
    }
    pairs.push([ai, value]);
  }
  return toIdentifiers(pairs);
}

/** Parses the human-readable form `(01)...(17)...(10)...(21)...`. */
export function parseBracketed(input: string): Gs1Identifiers {
  const text = input.trim();
  const pattern = /\((\d{2,4})\)([^(]*)/gy;
  const pairs: [string, string][] = [];
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = pattern.exec(text)) !== null) {
    pairs.push([match[1] ?? "", match[2] ?? ""]);
    consumed = pattern.lastIndex;
  }
  if (pairs.length === 0 || consumed !== text.length) fail("must be (AI)value pairs such as (01)09521234543213(21)SN1");
  return toIdentifiers(pairs);
}

const DL_PATH_KEYS: Record<string, string> = { "01": "01", gtin: "01", "10": "10", lot: "10", "21": "21", ser: "21", "22": "22", cpv: "22" };

/** Parses a GS1 Digital Link URI `https://host/01/{gtin}/10/{lot}/21/{serial}?17=YYMMDD`. */
export function parseDigitalLink(input: string): Gs1Identifiers {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return fail("must be an absolute GS1 Digital Link URL");
  }
  const segments = url.pathname.split("/").filter((s) => s.length > 0);
  const start = segments.findIndex((s) => s === "01" || s === "gtin");
  if (start === -1) fail("Digital Link path must contain /01/{gtin}");
  const pairs: [string, string][] = [];
  for (let i = start; i < segments.length; i += 2) {
    const key = DL_PATH_KEYS[segments[i] ?? ""];
    const raw = segments[i + 1];
    if (key === undefined || raw === undefined) fail(`Digital Link path segment ${segments[i] ?? ""} is not a key qualifier with a value`);
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      return fail(`Digital Link value for AI ${key} is badly percent-encoded`);
    }
    // A Digital Link may carry a GTIN-8, -12 or -13: it is the GTIN-14 with leading zeros.
    pairs.push([key, key === AI.GTIN && /^(\d{8}|\d{12}|\d{13})$/.test(value) ? value.padStart(14, "0") : value]);
  }
  for (const [key, value] of url.searchParams) {
    if (/^\d{2,4}$/.test(key)) pairs.push([key, value]);
    else if (key === "exp") pairs.push([AI.EXPIRY, value]);
  }
  return toIdentifiers(pairs);
}

/** Parses any of the three forms, detected from the text. */
export function parseGs1(input: string): Gs1Identifiers {
  const text = input.trim();
  if (/^https?:\/\//i.test(text)) return parseDigitalLink(text);
  if (text.startsWith("(")) return parseBracketed(text);
  return parseElementString(input);
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
