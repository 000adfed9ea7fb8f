/** Debian's Chromium driven by playwright-core, one fresh profile per launch. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM = process.env.RXTRACE_CHROMIUM ?? "/usr/bin/chromium";

const QUIET_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium; with `cameraFile` (a .y4m or .mjpeg) the page
 * gets a fake camera showing that file and camera permission without a prompt.
 */
export async function launchBrowser(options: { cameraFile?: string } = {}): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), "rxtrace-chromium-"));
  const camera = options.cameraFile
    ? ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", `--use-file-for-fake-video-capture=${options.cameraFile}`]
    : [];
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: [...QUIET_ARGS, ...camera] });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
