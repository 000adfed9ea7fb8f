/**
 * Reads a Prometheus alert rules file (network/monitoring/alerts.yml) and the
 * metric names each alert's PromQL expression reads, so tests can check that
 * every alert watches a series some endpoint really serves.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";

export interface AlertRule {
  readonly group: string;
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${field}: must be a mapping`);
  return value as Record<string, unknown>;
}

function text(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new Error(`${field}: must be a non-empty string`);
  return value;
}

function strings(value: unknown, field: string): Record<string, string> {
  return Object.fromEntries(Object.entries(record(value ?? {}, field)).map(([k, v]) => [k, text(v, `${field}.${k}`)]));
}

/**
 * Every alerting rule of the file.
 * @throws Error naming the first field that is missing or of the wrong type
 */
export function readAlertRules(file: string): AlertRule[] {
  const content = record(parse(readFileSync(file, "utf8")), "(root)");
  if (!Array.isArray(content.groups)) throw new Error("groups: must be a list");
  return content.groups.flatMap((g: unknown, i) => {
    const group = record(g, `groups[${i}]`);
    const name = text(group.name, `groups[${i}].name`);
    if (!Array.isArray(group.rules)) throw new Error(`groups[${i}].rules: must be a list`);
    return group.rules.map((r: unknown, j) => {
      const at = `groups[${i}].rules[${j}]`;
      const rule = record(r, at);
      return {
        group: name,
        alert: text(rule.alert, `${at}.alert`),
        expr: text(rule.expr, `${at}.expr`),
        ...(rule.for === undefined ? {} : { for: text(rule.for, `${at}.for`) }),
        labels: strings(rule.labels, `${at}.labels`),
        annotations: strings(rule.annotations, `${at}.annotations`),
      };
    });
  });
}

/** PromQL words that are neither functions nor metrics. */
const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"]);

/**
 * The metric names an expression reads: identifiers outside label matchers,
 * ranges, strings and grouping clauses that are not called as functions.
 */
export function metricNamesOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const match of bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (name === undefined || call !== undefined || KEYWORDS.has(name.toLowerCase())) continue;
    // A number's exponent (1e3) is no name.
    if (/^[eE]\d*$/.test(name)) continue;
    names.add(name);
  }
  return [...names];
}
