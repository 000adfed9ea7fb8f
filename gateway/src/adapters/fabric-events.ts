/**
 * The events and blocks of Fabric channels over fabric-gateway:
 * `getChaincodeEvents` with a file checkpointer, so a restarted gateway
 * resumes where it stopped, and blocks through the peer's query system
 * chaincode (qscc).
 */
import { checkpointers, type Network } from "@hyperledger/fabric-gateway";
import { common } from "@hyperledger/fabric-protos";
import { GatewayError, InvalidArgumentError, NotFoundError, UnavailableError } from "../errors.js";
import { privateFile } from "./private-files.js";
import type { BlockSource, ChaincodeEventStream, LedgerBlock, LedgerEventSource, RawChaincodeEvent } from "../ports/ledger-events.js";

/**
 * @param networkFor the connected Network of a channel (the listening identity must be a member)
 * @param chaincode the chaincode whose events are streamed
 */
export function newFabricEventSource(networkFor: (channel: string) => Network, chaincode: string): LedgerEventSource {
  return {
    async open(channel: string, checkpointFile: string): Promise<ChaincodeEventStream> {
      privateFile(checkpointFile);
      const checkpointer = await checkpointers.file(checkpointFile);
      let events: Awaited<ReturnType<Network["getChaincodeEvents"]>>;
      try {
        events = await networkFor(channel).getChaincodeEvents(chaincode, { checkpoint: checkpointer, startBlock: 0n });
      } catch (error) {
        throw new UnavailableError("fabric", `cannot open chaincode events of ${channel}: ${(error as Error).message}`, { cause: error });
      }
      return {
        async *[Symbol.asyncIterator](): AsyncGenerator<RawChaincodeEvent> {
          for await (const event of events) {
            yield {
              channel,
              blockNumber: Number(event.blockNumber),
              txId: event.transactionId,
              eventName: event.eventName,
              payload: event.payload,
            };
          }
        },
        async checkpoint(event: RawChaincodeEvent): Promise<void> {
          await checkpointer.checkpointTransaction(BigInt(event.blockNumber), event.txId);
        },
        close(): void {
          events.close();
        },
      };
    },
  };
}

function decodeBlock(bytes: Uint8Array): LedgerBlock {
  let block: common.Block;
  try {
    block = common.Block.deserializeBinary(bytes);
  } catch (error) {
    throw new InvalidArgumentError("block", `is not a serialized Fabric block: ${(error as Error).message}`);
  }
  const header = block.getHeader();
  if (header === undefined) throw new InvalidArgumentError("block", "has no header");
  return {
    number: BigInt(header.getNumber()),
    previousHash: header.getPreviousHash_asU8(),
    dataHash: header.getDataHash_asU8(),
    data: block.getData()?.getDataList_asU8() ?? [],
  };
}

function fabricFailure(what: string, error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/not found|no such block|out of range|Entry not found/i.test(message)) return new NotFoundError(`${what}: ${message}`);
  return new UnavailableError("fabric", `${what}: ${message}`, { cause: error });
}

/** BlockSource over qscc (GetChainInfo, GetBlockByNumber); the identity must be a channel member. */
export function newFabricBlockSource(networkFor: (channel: string) => Network): BlockSource {
  const raw = async (channel: string, number: bigint): Promise<Uint8Array> => {
    try {
      return await networkFor(channel).getContract("qscc").evaluateTransaction("GetBlockByNumber", channel, number.toString());
    } catch (error) {
      throw fabricFailure(`block ${number.toString()} of ${channel}`, error);
    }
  };
  return {
    async height(channel: string): Promise<bigint> {
      try {
        const bytes = await networkFor(channel).getContract("qscc").evaluateTransaction("GetChainInfo", channel);
        return BigInt(common.BlockchainInfo.deserializeBinary(bytes).getHeight());
      } catch (error) {
        throw fabricFailure(`chain info of ${channel}`, error);
      }
    },
    async block(channel: string, number: bigint): Promise<LedgerBlock> {
      return decodeBlock(await raw(channel, number));
    },
    decode: decodeBlock,
    raw,
  };
}
