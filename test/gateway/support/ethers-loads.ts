/**
 * Child process of evm-lazy.test.ts: runs one step of a gateway's start and
 * prints, as it exits, how many ethers modules were resolved meanwhile.
 *
 *   main                 imports gateway/src/main.ts (its whole static graph; main() then stops on the missing org)
 *   lazy <deployment>    builds the lazy EVM side over the file and answers a readiness ping
 *   call <deployment>    the same, then one anchor registry call
 */
import { registerHooks } from "node:module";

const resolved: string[] = [];
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    if (/[/\\]node_modules[/\\]ethers[/\\]/.test(result.url)) resolved.push(result.url);
    return result;
  },
});
process.on("exit", () => process.stdout.write(`${JSON.stringify({ ethersModules: resolved.length })}\n`));

const [mode, file] = process.argv.slice(2);
if (mode === "main") {
  await import("../../../gateway/src/main.js");
} else if ((mode === "lazy" || mode === "call") && file !== undefined) {
  const { newLazyEvm } = await import("../../../gateway/src/adapters/evm-lazy.js");
  const evm = newLazyEvm(file, { pingTimeoutMs: 5_000 });
  await evm.ping();
  if (mode === "call") await evm.anchorRegistry.latest("dist-pharm");
  evm.destroy();
} else {
  throw new Error(`usage: ethers-loads.ts main | lazy <deployment> | call <deployment>`);
}
