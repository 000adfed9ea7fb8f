/**
 * Running the repository's entry scripts as a new user's machine would: a
 * fresh HOME, an empty RXTRACE_CACHE, and a PATH without any Node 24 that an
 * earlier script put there (the machine's own Node stays).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export const repoRoot = path.resolve(import.meta.dirname, "../..");

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** The lines of a script's error output that it wrote itself ("rxtrace: ..."). */
export function said(output: string): string[] {
  return output.split("\n").filter((line) => line.startsWith("rxtrace: "));
}

/** PATH without the folders of cached Node builds (<cache>/node/<version>/bin). */
export function pathWithoutCachedNode(): string {
  return (process.env.PATH ?? "")
    .split(":")
    .filter((dir) => !/\/node\/\d+\.\d+\.\d+\/bin$/.test(dir))
    .join(":");
}

/** A fresh machine's environment: only PATH without cached Node, a new HOME and cache, plus `extra`. */
export function freshEnv(home: string, cache: string, extra: Record<string, string> = {}): Record<string, string> {
  const keep = ["LANG", "TERM", "TMPDIR", "NODE_EXTRA_CA_CERTS"];
  // SHLVL as in a terminal: a bash whose stdin is a socket (Node's pipes) and
  // SHLVL below 1 takes itself for an rsh login and reads ~/.bashrc.
  const env: Record<string, string> = { PATH: pathWithoutCachedNode(), HOME: home, RXTRACE_CACHE: cache, SHLVL: "1" };
  for (const name of keep) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

/** Runs a command to its end and returns its exit code and output (never throws on a non-zero exit). */
export function run(command: string, args: string[], options: { env: Record<string, string>; cwd?: string; timeout?: number }): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env: options.env, cwd: options.cwd ?? repoRoot, timeout: options.timeout ?? 110_000, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A temporary folder for one suite, removed by the returned function. */
export function scratch(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
