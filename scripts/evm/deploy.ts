// Deploys SupplyChain to a running JSON-RPC node (default: the Hardhat node on
// 127.0.0.1:8545, `npm run evm:node`), grants the consortium roles to the node's first
// accounts, and writes $RXTRACE_DATA/evm/deployment.json for the gateway.
// Run: npm run evm:deploy   (RXTRACE_DATA defaults to <repo>/.rxtrace; RXTRACE_EVM_RPC_URL
// defaults to http://127.0.0.1:8545)
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { network } from "hardhat";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const dataDir = path.resolve(process.env.RXTRACE_DATA ?? path.join(repoRoot, ".rxtrace"));
const rpcUrl = process.env.RXTRACE_EVM_RPC_URL ?? "http://127.0.0.1:8545"; // as hardhat.config.ts "localhost"

const { ethers } = await network.create({ network: "localhost" });
const signers = await ethers.getSigners();
if (signers.length < 6) throw new Error(`the node must expose at least 6 accounts, it has ${signers.length}`);
const [admin, manufacturer, distributor, pharmacy, regulator, anchorer] = signers as [
  (typeof signers)[number],
  ...(typeof signers)[number][],
];

const chain = await ethers.deployContract("SupplyChain", [admin.address]);
const deployment = chain.deploymentTransaction();
if (deployment === null) throw new Error("no deployment transaction");
const receipt = await deployment.wait();
if (receipt === null) throw new Error("deployment was not mined");

const roles = [
  { role: "MANUFACTURER_ROLE", account: manufacturer, id: await chain.MANUFACTURER_ROLE() },
  { role: "DISTRIBUTOR_ROLE", account: distributor, id: await chain.DISTRIBUTOR_ROLE() },
  { role: "PHARMACY_ROLE", account: pharmacy, id: await chain.PHARMACY_ROLE() },
  { role: "REGULATOR_ROLE", account: regulator, id: await chain.REGULATOR_ROLE() },
  { role: "ANCHORER_ROLE", account: anchorer, id: await chain.ANCHORER_ROLE() },
  // The GS1 registry's role: on the development node the admin account assigns GTINs.
  { role: "REGISTRY_ROLE", account: admin, id: await chain.REGISTRY_ROLE() },
  // The emergency stop: on the development node the admin account holds it.
  { role: "PAUSER_ROLE", account: admin, id: await chain.PAUSER_ROLE() },
];
for (const { account, id } of roles) {
  if (account === undefined) throw new Error("missing account for a role");
  await (await chain.grantRole(id, account.address)).wait();
}

const artifact = JSON.parse(
  await readFile(path.join(repoRoot, "artifacts/contracts/SupplyChain.sol/SupplyChain.json"), "utf8"),
) as { abi: unknown[] };
const out = {
  contract: "SupplyChain",
  address: await chain.getAddress(),
  chainId: Number((await ethers.provider.getNetwork()).chainId),
  rpcUrl,
  deployBlock: receipt.blockNumber,
  deployedAt: new Date().toISOString(),
  accounts: {
    admin: admin.address,
    ...Object.fromEntries(roles.map(({ role, account }) => [role, account?.address])),
  },
  abi: artifact.abi,
};
const file = path.join(dataDir, "evm", "deployment.json");
await mkdir(path.dirname(file), { recursive: true });
await writeFile(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(`SupplyChain at ${out.address} (chain ${out.chainId}, block ${out.deployBlock}); wrote ${file}`);
