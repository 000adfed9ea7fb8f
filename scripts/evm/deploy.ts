// Deploys SupplyChain to a running JSON-RPC node (the geth dev node of scripts/evm.sh,
// or a Hardhat node, `npm run evm:node`), grants the consortium roles, and writes
// $RXTRACE_DATA/evm/deployment.json for the gateway.
// The roles go to the node's first six accounts. A node with fewer (geth in dev mode
// unlocks only its dev account, the admin here) gets the others from
// $RXTRACE_DATA/evm/keys.json (the deployer's store: created once, owner-only,
// reused on a redeploy), funded by the admin; each role account's key is also
// written to a file of its own, $RXTRACE_DATA/evm/keys/<actor>.json, which is all
// that actor's gateway reads (an org's gateway never holds another org's key).
// Run: npm run evm:deploy   (RXTRACE_DATA defaults to <repo>/.rxtrace; RXTRACE_EVM_RPC_URL
// defaults to http://127.0.0.1:8545)
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { network } from "hardhat";
import { evmKeyFile, evmKeyStore, readEvmKeys, writeEvmActorKeys } from "../../gateway/src/adapters/evm-deployment.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const dataDir = path.resolve(process.env.RXTRACE_DATA ?? path.join(repoRoot, ".rxtrace"));
const rpcUrl = process.env.RXTRACE_EVM_RPC_URL ?? "http://127.0.0.1:8545"; // as hardhat.config.ts "localhost"

const { ethers } = await network.create({ network: "localhost" });
const signers = await ethers.getSigners();
const admin = signers[0];
if (admin === undefined) throw new Error("the node exposes no account to deploy from");

const deploymentFile = path.join(dataDir, "evm", "deployment.json");
const keyStore = evmKeyStore(deploymentFile);

/** The five role accounts: the node's next accounts, or keys of our own funded by the admin. */
async function roleAccounts(admin: (typeof signers)[number]): Promise<{ address: string }[]> {
  if (signers.length >= 6) {
    // The node signs for these: no key files (one left by an earlier geth deployment would name other accounts).
    await rm(path.dirname(evmKeyFile(deploymentFile, "anchorer")), { recursive: true, force: true });
    return signers.slice(1, 6);
  }
  const keyFile = keyStore;
  const keys = readEvmKeys(keyFile);
  const wallets = Object.values(keys).map((key) => new ethers.Wallet(key));
  while (wallets.length < 5) wallets.push(new ethers.Wallet(ethers.Wallet.createRandom().privateKey));
  await mkdir(path.dirname(keyFile), { recursive: true });
  await writeFile(keyFile, `${JSON.stringify(Object.fromEntries(wallets.map((w) => [w.address, w.privateKey])), null, 2)}\n`, { mode: 0o600 });
  // Gas money for years of development; the dev account of geth holds far more.
  const allowance = ethers.parseEther("1000");
  const funding = [];
  for (const wallet of wallets.slice(0, 5)) {
    if ((await ethers.provider.getBalance(wallet.address)) < allowance / 2n) funding.push(await admin.sendTransaction({ to: wallet.address, value: allowance }));
  }
  await Promise.all(funding.map((tx) => tx.wait()));
  return wallets.slice(0, 5);
}
const [manufacturer, distributor, pharmacy, regulator, anchorer] = await roleAccounts(admin);

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
// Sent one after another (the node numbers them), mined together: one block on a node that seals every second.
const grants: Awaited<ReturnType<typeof chain.grantRole>>[] = [];
for (const { account, id } of roles) {
  if (account === undefined) throw new Error("missing account for a role");
  grants.push(await chain.grantRole(id, account.address));
}
await Promise.all(grants.map((tx) => tx.wait()));

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
await mkdir(path.dirname(deploymentFile), { recursive: true });
await writeFile(deploymentFile, `${JSON.stringify(out, null, 2)}\n`);
// Each role account's key in a file of its own, the only one its gateway reads (none where the node signs).
if (signers.length < 6) writeEvmActorKeys(deploymentFile, readEvmKeys(keyStore));
console.log(`SupplyChain at ${out.address} (chain ${out.chainId}, block ${out.deployBlock}); wrote ${deploymentFile}`);
