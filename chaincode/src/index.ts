/**
 * Entry of the rxtrace chaincode package.
 * `contracts` is what fabric-chaincode-node serves; the domain (GS1, MKT,
 * vocabulary, errors) is re-exported for the gateway.
 */
import { PacksContract } from "./contracts/packs";
import { PartnersContract } from "./contracts/partners";
import { ProductsContract } from "./contracts/products";

export * from "./domain";
export { PacksContract, PartnersContract, ProductsContract };

export const contracts: (typeof PartnersContract | typeof ProductsContract | typeof PacksContract)[] = [PacksContract, PartnersContract, ProductsContract];
