// Hardhat 3 configuration for the public-chain variant (contracts/).
// Compilation is offline: the npm `solc` package's soljson.js is the compiler.
import { createRequire } from "node:module";
import hardhatToolboxMochaEthersPlugin from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);
const soljson = require.resolve("solc/soljson.js");

export default defineConfig({
  plugins: [hardhatToolboxMochaEthersPlugin],
  solidity: {
    compilers: [
      {
        version: "0.8.30",
        path: soljson,
        settings: {
          // Runtime gas matters more than deployment size: one deployment, millions of pack moves.
          // 800 runs are the most that keep SupplyChain (with the pause, the EU decommission
          // statuses, undo and shipment exceptions) under 24 KB: 23,618 bytes; 900 runs give 24,744.
          optimizer: { enabled: true, runs: 800 },
          evmVersion: "prague",
        },
      },
    ],
    overrides: {
      // The baseline as its figures were published: optimizer at 200 runs.
      "bench/baseline/SeedSupplyChain.sol": {
        version: "0.8.30",
        path: soljson,
        settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "prague" },
      },
    },
  },
  paths: {
    // The baseline is compiled beside ours so the gas bench measures both in one run.
    sources: { solidity: ["contracts", "bench/baseline"] },
    tests: { mocha: "test/contracts", solidity: "test/contracts" },
    // scripts/evm/mutate.ts points the test runs at a private copy holding a mutant's artifact.
    ...(process.env.RXTRACE_ARTIFACTS_DIR ? { artifacts: process.env.RXTRACE_ARTIFACTS_DIR } : {}),
  },
  // typechain-types/ is git-ignored; tests import the generated contract types from there.
  typechain: { outDir: "typechain-types" },
  coverage: { skipFiles: ["bench/baseline/**"] },
  test: {
    solidity: {
      fuzz: { runs: 256 },
      invariant: { runs: 64, depth: 40, failOnRevert: false },
    },
  },
  networks: {
    // Mutants are tested unoptimised (a sixth of the compile time), which is over 24 KB.
    ...(process.env.RXTRACE_ARTIFACTS_DIR
      ? { default: { type: "edr-simulated", chainType: "l1", allowUnlimitedContractSize: true } }
      : {}),
    // The Hardhat node of `npm run evm:node` (conventions: 127.0.0.1:8545); RXTRACE_EVM_RPC_URL
    // points deploys elsewhere (the deployment test uses a node of its own on a free port).
    localhost: { type: "http", chainType: "l1", url: process.env.RXTRACE_EVM_RPC_URL ?? "http://127.0.0.1:8545" },
  },
});
