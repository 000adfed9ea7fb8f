import { invalidArgument } from "./errors";
import { MAX_NAME_LENGTH } from "./limits";

/** A plain JSON object read from a transaction argument. */
export type Fields = Record<string, unknown>;

/** Parses one JSON transaction argument that must hold an object. */
export function parseJsonObject(field: string, text: string): Fields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidArgument(field, "must be valid JSON");
  }
  return requireObject(field, parsed);
}

export function requireObject(field: string, value: unknown): Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument(field, "must be a JSON object");
  }
  return value as Fields;
}

export function requireString(field: string, value: unknown, min = 1, max = MAX_NAME_LENGTH): string {
  if (typeof value !== "string") throw invalidArgument(field, "must be a string");
  if (value.length < min || value.length > max) {
    throw invalidArgument(field, `must be ${min}-${max} characters long`);
  }
  return value;
}

export function requirePattern(field: string, value: unknown, pattern: RegExp, rule: string): string {
  if (typeof value !== "string" || !pattern.test(value)) throw invalidArgument(field, rule);
  return value;
}

export function requireInteger(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) throw invalidArgument(field, "must be an integer");
  if (value < min || value > max) throw invalidArgument(field, `must be between ${min} and ${max}`);
  return value;
}

export function optionalBoolean(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw invalidArgument(field, "must be true or false");
  return value;
}

export function requireArray(field: string, value: unknown, min: number, max: number): unknown[] {
  if (!Array.isArray(value)) throw invalidArgument(field, "must be an array");
  if (value.length < min || value.length > max) {
    throw invalidArgument(field, `must hold ${min}-${max} items`);
  }
  return value;
}

export function requireOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw invalidArgument(field, `must be one of ${allowed.join(", ")}`);
  }
  return value as T;
}

const SHA256 = /^[0-9a-f]{64}$/;

export function requireSha256(field: string, value: unknown): string {
  return requirePattern(field, value, SHA256, "must be a sha256 of 64 lowercase hex characters");
}

export function optionalSha256(field: string, value: unknown): string | undefined {
  return value === undefined ? undefined : requireSha256(field, value);
}

const SHIPMENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requireShipmentId(field: string, value: unknown): string {
  return requirePattern(field, value, SHIPMENT_ID, "must be 1-64 characters of A-Z a-z 0-9 . _ : -");
}

const MSP_ID = /^[A-Za-z][A-Za-z0-9.-]{0,63}$/;

export function requireMspId(field: string, value: unknown): string {
  return requirePattern(field, value, MSP_ID, "must be an MSP id: a letter then up to 63 letters, digits, . or -");
}
