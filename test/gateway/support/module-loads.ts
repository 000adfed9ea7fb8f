/**
 * Child process of lazy-modules.test.ts: runs one step of a gateway's start
 * and prints, as it exits, how many modules of each lazily loaded package
 * (ethers, kubo-rpc-client, bwip-js, esbuild) were resolved meanwhile.
 *
 *   main                 imports gateway/src/main.ts (its whole static graph; main() then stops on the missing org)
 *   evm <deployment>     builds the lazy EVM side over the file and answers a readiness ping
 *   evm-call <deployment> the same, then one anchor registry call
 *   ipfs <url>           a Kubo content store at the URL answers a readiness ping
 *   ipfs-call <url>      the same, then one cat
 */
import { registerHooks } from "node:module";

const PACKAGES = ["ethers", "kubo-rpc-client", "bwip-js", "esbuild"] as const;
const resolved = Object.fromEntries(PACKAGES.map((p) => [p, 0])) as Record<(typeof PACKAGES)[number], number>;
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    for (const name of PACKAGES) if (result.url.includes(`/node_modules/${name}/`)) resolved[name] += 1;
    return result;
  },
});
process.on("exit", () => process.stdout.write(`${JSON.stringify(resolved)}\n`));

const [mode, target] = process.argv.slice(2);
if (mode === "main") {
  await import("../../../gateway/src/main.js");
} else if ((mode === "evm" || mode === "evm-call") && target !== undefined) {
  const { newLazyEvm } = await import("../../../gateway/src/adapters/evm-lazy.js");
  const evm = newLazyEvm(target, { pingTimeoutMs: 5_000 });
  await evm.ping();
  if (mode === "evm-call") await evm.anchorRegistry.latest("dist-pharm");
  evm.destroy();
} else if ((mode === "ipfs" || mode === "ipfs-call") && target !== undefined) {
  const { newKuboContentStore } = await import("../../../gateway/src/adapters/ipfs.js");
  const store = newKuboContentStore({ url: target, timeoutMs: 5_000 });
  await store.ping();
  if (mode === "ipfs-call") await store.get("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", { maxBytes: 1024 });
} else {
  throw new Error(`usage: module-loads.ts main | evm[-call] <deployment> | ipfs[-call] <url>`);
}
