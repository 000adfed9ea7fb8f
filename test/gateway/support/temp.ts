/** Temporary folders for tests, removed when the run ends. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const made: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

// A root-level hook: registered once, when the first spec imports this module.
after(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
