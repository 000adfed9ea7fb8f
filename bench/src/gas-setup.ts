// The SupplyChain deployment the gas scripts measure (bench/src/gas.ts, bench/src/gas-breakdown.ts):
// one manufacturer, one distributor, the admin as GTIN registry, one registered GTIN and lot.
import type { network } from "hardhat";

type Connection = Awaited<ReturnType<typeof network.create>>;
type Signer = Awaited<ReturnType<Connection["ethers"]["getSigners"]>>[number];

export const GTIN = 9521234543213n;
export const EXPIRY = 991231; // 31 Dec 2099, far from any test clock
export const LOT = "LOT2026A";

/** Deploys SupplyChain with the roles granted, GTIN assigned and registered under PRODUCT_NAME, and LOT registered. */
export async function supplyChainWithLot(ethers: Connection["ethers"], admin: Signer, manufacturer: Signer, distributor: Signer, productName: string) {
  const chain = await ethers.deployContract("SupplyChain", [admin.address]);
  await (await chain.grantRole(await chain.MANUFACTURER_ROLE(), manufacturer.address)).wait();
  await (await chain.grantRole(await chain.DISTRIBUTOR_ROLE(), distributor.address)).wait();
  await (await chain.grantRole(await chain.REGISTRY_ROLE(), admin.address)).wait();
  await (await chain.assignGtin(GTIN, manufacturer.address)).wait();
  const asManufacturer = chain.connect(manufacturer);
  await (await asManufacturer.registerGtin(GTIN, productName)).wait();
  await (await asManufacturer.registerLot(GTIN, await chain.lotKeyOf(GTIN, LOT), EXPIRY)).wait();
  const lotId = await chain.lotIdOf(await chain.lotKeyOf(GTIN, LOT));
  // Packs are commissioned by their commitments, computed off chain (here by a local call).
  const commitment = (serial: string) => chain.packIdOf(GTIN, serial, LOT, EXPIRY);
  return { chain, asManufacturer, lotId, commitment };
}
