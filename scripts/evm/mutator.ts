// Mutation operators for Solidity source (scripts/evm/mutate.ts runs them against the contract
// suite). Text-based on purpose: a small, stated set of operators written here, applied only to
// code (comments and string literals are masked out first), each mutant one change.

/** The operators, in the order mutants are generated. */
export const OPERATORS = [
  "relational", // < <= > >= == != : each to its neighbour (< to <=, == to !=, ...)
  "logical", // && to ||, || to &&
  "negate-condition", // if (c) to if (!(c)), unless c is one == or != (its relational mutant)
  "remove-guard", // if (c) revert ...; (or a block holding only that revert) removed; require(...) removed
  "arithmetic", // + to -, - to +, * to /, / to *, % to *
  "constant", // a decimal literal n to n + 1 (off by one)
  "remove-modifier", // a modifier use (whenNotPaused, onlyRole(...)) removed from a function header
] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Mutant {
  /** 1-based, in generation order. */
  id: number;
  operator: Operator;
  /** 1-based line of the change in the original source. */
  line: number;
  original: string;
  replacement: string;
  /** The whole mutated source. */
  source: string;
}

interface Edit {
  operator: Operator;
  start: number;
  end: number;
  replacement: string;
}

const RELATIONAL: Record<string, string> = { "<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "==" };
const ARITHMETIC: Record<string, string> = { "+": "-", "-": "+", "*": "/", "/": "*", "%": "*" };

/**
 * The source with every comment, string literal and pragma line replaced by spaces (newlines
 * kept), so offsets stay those of the source and no operator is ever found inside them.
 */
export function maskNonCode(source: string): string {
  const out = source.split("");
  const blank = (from: number, to: number): void => {
    for (let i = from; i < to; ++i) if (out[i] !== "\n") out[i] = " ";
  };
  let i = 0;
  while (i < source.length) {
    const two = source.slice(i, i + 2);
    if (two === "//") {
      const end = source.indexOf("\n", i);
      const stop = end === -1 ? source.length : end;
      blank(i, stop);
      i = stop;
    } else if (two === "/*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end === -1 ? source.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (source[i] === '"' || source[i] === "'") {
      const quote = source[i];
      let j = i + 1;
      while (j < source.length && source[j] !== quote) j += source[j] === "\\" ? 2 : 1;
      blank(i, j + 1);
      i = j + 1;
    } else {
      i += 1;
    }
  }
  return out.join("").replace(/^[ \t]*(pragma|import)\b[^;]*;/gm, (m) => m.replace(/[^\n]/g, " "));
}

/** Offset of the bracket closing the one at `open` (same kind), in masked code. */
function matching(code: string, open: number): number {
  const opener = code[open];
  const closer = opener === "(" ? ")" : opener === "{" ? "}" : "]";
  let depth = 0;
  for (let i = open; i < code.length; ++i) {
    if (code[i] === opener) depth += 1;
    else if (code[i] === closer && --depth === 0) return i;
  }
  throw new Error(`unbalanced ${opener} at offset ${open}`);
}

function skipSpace(code: string, from: number): number {
  let i = from;
  while (i < code.length && /\s/.test(code[i] ?? "")) ++i;
  return i;
}

function relationalEdits(code: string): Edit[] {
  const edits: Edit[] = [];
  // Not part of a shift (<<, >>), an arrow (=>) or an assignment (=, <<=, ...).
  for (const m of code.matchAll(/(?<![<>=!])(<=|>=|==|!=|<|>)(?![<>=])/g)) {
    const op = m[1] ?? "";
    edits.push({ operator: "relational", start: m.index, end: m.index + op.length, replacement: RELATIONAL[op] ?? op });
  }
  return edits;
}

function logicalEdits(code: string): Edit[] {
  return [...code.matchAll(/&&|\|\|/g)].map((m) => ({
    operator: "logical" as const,
    start: m.index,
    end: m.index + 2,
    replacement: m[0] === "&&" ? "||" : "&&",
  }));
}

function arithmeticEdits(code: string): Edit[] {
  const edits: Edit[] = [];
  // A binary operator only: not ++, --, **, +=, -=, ..., nor a sign after another operator.
  for (const m of code.matchAll(/(?<![+\-*/%=!<>&|^])([+\-*/%])(?![+\-*/%=])/g)) {
    const op = m[1] ?? "";
    edits.push({ operator: "arithmetic", start: m.index, end: m.index + 1, replacement: ARITHMETIC[op] ?? op });
  }
  return edits;
}

function constantEdits(code: string): Edit[] {
  const edits: Edit[] = [];
  // Decimal literals only (not hex, not the digits of a type name such as uint256).
  for (const m of code.matchAll(/(?<![\w.])(\d[\d_]*)(?![\w.])/g)) {
    const text = m[1] ?? "";
    const value = BigInt(text.replaceAll("_", ""));
    const end = m.index + text.length;
    edits.push({ operator: "constant", start: m.index, end, replacement: String(value + 1n) });
  }
  return edits;
}

function conditionEdits(code: string): Edit[] {
  const edits: Edit[] = [];
  for (const m of code.matchAll(/\bif\s*\(/g)) {
    const open = m.index + m[0].length - 1;
    const close = matching(code, open);
    const condition = code.slice(open + 1, close);
    // A lone == or != comparison negated is its relational mutant, which is generated already.
    if (!/^[^<>=!&|?]*(==|!=)[^<>=!&|?]*$/.test(condition.trim())) {
      edits.push({ operator: "negate-condition", start: open, end: close + 1, replacement: `(!(${condition.trim()}))` });
    }

    // A guard: the if's body is a revert (bare, or the only statement of a block).
    let body = skipSpace(code, close + 1);
    let bodyEnd: number | undefined;
    if (code[body] === "{") {
      const blockEnd = matching(code, body);
      const inner = code.slice(body + 1, blockEnd).trim();
      if (/^revert\b[^;]*;$/s.test(inner)) bodyEnd = blockEnd + 1;
      body = -1;
    }
    if (body >= 0 && /^revert\b/.test(code.slice(body))) bodyEnd = code.indexOf(";", body) + 1;
    // An else-branch guard stays: removing it alone would leave a dangling else.
    const before = code.slice(0, m.index).trimEnd();
    if (bodyEnd !== undefined && !before.endsWith("else")) {
      edits.push({ operator: "remove-guard", start: m.index, end: bodyEnd, replacement: "" });
    }
  }
  for (const m of code.matchAll(/\brequire\s*\(/g)) {
    const close = matching(code, m.index + m[0].length - 1);
    const end = code.indexOf(";", close) + 1;
    edits.push({ operator: "remove-guard", start: m.index, end, replacement: "" });
  }
  return edits;
}

function modifierEdits(code: string): Edit[] {
  const edits: Edit[] = [];
  for (const m of code.matchAll(/\bfunction\s+\w+\s*\(/g)) {
    const params = matching(code, m.index + m[0].length - 1);
    const bodyOrEnd = code.slice(params).search(/[{;]/);
    const headerEnd = bodyOrEnd === -1 ? code.length : params + bodyOrEnd;
    const header = code.slice(params + 1, headerEnd);
    for (const use of header.matchAll(/\b(whenNotPaused|onlyRole\s*\([^)]*\))/g)) {
      const start = params + 1 + use.index;
      edits.push({ operator: "remove-modifier", start, end: start + use[0].length, replacement: "" });
    }
  }
  return edits;
}

/** Every mutant of `source`, one change each, ordered by operator then position. */
export function generateMutants(source: string, operators: readonly Operator[] = OPERATORS): Mutant[] {
  const code = maskNonCode(source);
  const byOperator: Record<Operator, () => Edit[]> = {
    relational: () => relationalEdits(code),
    logical: () => logicalEdits(code),
    "negate-condition": () => conditionEdits(code).filter((e) => e.operator === "negate-condition"),
    "remove-guard": () => conditionEdits(code).filter((e) => e.operator === "remove-guard"),
    arithmetic: () => arithmeticEdits(code),
    constant: () => constantEdits(code),
    "remove-modifier": () => modifierEdits(code),
  };
  const edits = operators.flatMap((operator) => byOperator[operator]().sort((a, b) => a.start - b.start));
  return edits.map((edit, index) => ({
    id: index + 1,
    operator: edit.operator,
    line: source.slice(0, edit.start).split("\n").length,
    original: source.slice(edit.start, edit.end),
    replacement: edit.replacement,
    source: source.slice(0, edit.start) + edit.replacement + source.slice(edit.end),
  }));
}

export type Outcome = "killed" | "survived" | "equivalent" | "uncompilable";

export interface MutantResult {
  id: number;
  operator: Operator;
  line: number;
  original: string;
  replacement: string;
  outcome: Outcome;
  /** The first failing test of a killed mutant (or "timeout"). */
  killedBy?: string;
}

export interface MutationReport {
  file: string;
  operators: readonly Operator[];
  generated: number;
  /** Mutants compiled and tested: killed + survived. */
  total: number;
  killed: number;
  survived: number;
  equivalent: number;
  uncompilable: number;
  /** killed / total, 0..1 (1 when nothing was tested). */
  killRate: number;
  survivors: { location: string; operator: Operator; original: string; replacement: string }[];
}

/** Counts and survivors of a run; equivalent and uncompilable mutants are not in the rate. */
export function summarise(file: string, operators: readonly Operator[], generated: number, results: MutantResult[]): MutationReport {
  const count = (outcome: Outcome): number => results.filter((r) => r.outcome === outcome).length;
  const killed = count("killed");
  const survived = count("survived");
  const total = killed + survived;
  return {
    file,
    operators,
    generated,
    total,
    killed,
    survived,
    equivalent: count("equivalent"),
    uncompilable: count("uncompilable"),
    killRate: total === 0 ? 1 : killed / total,
    survivors: results
      .filter((r) => r.outcome === "survived")
      .map((r) => ({ location: `${file}:${r.line}`, operator: r.operator, original: r.original, replacement: r.replacement })),
  };
}
