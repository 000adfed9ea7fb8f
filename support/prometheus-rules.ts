/**
 * Reads a Prometheus alert rules file (network/monitoring/alerts.yml), checks
 * each alert's PromQL against Prometheus's own grammar, and finds the metric
 * names it reads, so tests can check that every alert parses and watches a
 * series some endpoint really serves.
 */
import { readFileSync } from "node:fs";
import { parser } from "@prometheus-io/lezer-promql";
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

/**
 * Where an expression does not parse under Prometheus's own PromQL grammar
 * (@prometheus-io/lezer-promql, the grammar of Prometheus's web UI): one
 * message per error, with the text at fault; empty when it parses.
 */
export function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: "${expr.slice(Math.max(0, node.from - 10), node.to + 10)}"`);
    },
  });
  return errors;
}

/** The metric names an expression selects (each vector or range selector's name), in order, once each. */
export function metricNamesOf(expr: string): string[] {
  const names = new Set<string>();
  parser.parse(expr).iterate({
    enter(node) {
      if (node.name !== "VectorSelector") return;
      const name = node.node.getChild("Identifier");
      if (name) names.add(expr.slice(name.from, name.to));
    },
  });
  return [...names];
}
