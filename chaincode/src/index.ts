/**
 * Entry of the rxtrace chaincode package.
 * `contracts` is what fabric-chaincode-node serves; the domain (GS1, MKT,
 * vocabulary, errors) is re-exported for the gateway.
 */
import { AggregationContract } from "./contracts/aggregation";
import { ColdChainContract } from "./contracts/coldchain";
import { CrossChannelContract } from "./contracts/crosschannel";
import { DocumentsContract } from "./contracts/documents";
import { InvestigationsContract } from "./contracts/investigations";
import { PacksContract } from "./contracts/packs";
import { PartnersContract } from "./contracts/partners";
import { ProductsContract } from "./contracts/products";
import { ReturnsContract } from "./contracts/returns";
import { ShipmentsContract } from "./contracts/shipments";

export * from "@rxtrace/domain";
export {
  AggregationContract,
  ColdChainContract,
  CrossChannelContract,
  DocumentsContract,
  InvestigationsContract,
  PacksContract,
  PartnersContract,
  ProductsContract,
  ReturnsContract,
  ShipmentsContract,
};

/** Contracts served by fabric-chaincode-node; the first is the default (no prefix). */
export const contracts = [
  PacksContract,
  PartnersContract,
  ProductsContract,
  ShipmentsContract,
  ReturnsContract,
  AggregationContract,
  CrossChannelContract,
  ColdChainContract,
  DocumentsContract,
  InvestigationsContract,
];
