/**
 * The scan page at /scan for pharmacies: the HTML, its script (bundled from
 * gateway/src/web/scan with esbuild on first request and kept in memory), and
 * /01/... GS1 Digital Link paths, which open the page on that code so a phone
 * scanning a pack's QR label lands on its verdict. The page itself is public;
 * everything it shows comes from /v1 calls made with the user's API key.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyPluginAsync } from "fastify";

export interface ScanRoutesOptions {
  /** Folder holding scan/index.html and scan/main.mts; defaults to gateway/src/web. */
  webRoot?: string;
}

/** gateway/src/web, whether this file runs from src (tsx) or dist (compiled). */
export const DEFAULT_WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "web");

/** Bundles the page script (with @zxing/browser) into one browser ES module; esbuild is loaded for it, on the page's first request. */
export async function bundleScanScript(webRoot: string = DEFAULT_WEB_ROOT): Promise<string> {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [path.join(webRoot, "scan", "main.mts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: ["chrome110", "firefox110", "safari16"],
    minify: true,
    legalComments: "none",
    logLevel: "silent",
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error("esbuild produced no scan page bundle");
  return output.text;
}

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

export const scanRoutes: FastifyPluginAsync<ScanRoutesOptions> = async (app, options) => {
  const webRoot = options.webRoot ?? DEFAULT_WEB_ROOT;
  let html: Promise<string> | undefined;
  let script: Promise<string> | undefined;
  // Made once; a failure is not kept, so fixing the source and reloading works.
  const pageHtml = (): Promise<string> => {
    html ??= readFile(path.join(webRoot, "scan", "index.html"), "utf8");
    html.catch(() => (html = undefined));
    return html;
  };
  const pageScript = (): Promise<string> => {
    script ??= bundleScanScript(webRoot);
    script.catch(() => (script = undefined));
    return script;
  };

  app.get("/scan", { schema: { hide: true } }, async (_request, reply) => {
    const page = await pageHtml();
    return reply.type("text/html; charset=utf-8").headers(SECURITY_HEADERS).header("cache-control", "no-cache").send(page);
  });

  app.get("/scan/app.js", { schema: { hide: true } }, async (_request, reply) => {
    const code = await pageScript();
    return reply.type("text/javascript; charset=utf-8").header("x-content-type-options", "nosniff").header("cache-control", "no-cache").send(code);
  });

  // GS1 Digital Link resolver for this gateway's own labels: /01/{gtin}/10/{lot}/21/{serial}?17=...
  app.get("/01/*", { schema: { hide: true } }, async (request, reply) => {
    const link = `${request.protocol}://${request.host}${request.url}`;
    return reply.redirect(`/scan?code=${encodeURIComponent(link)}`, 302);
  });
};
