/**
 * The events and blocks of Fabric channels over fabric-gateway:
 * `getChaincodeEvents` with a file checkpointer, so a restarted gateway
 * resumes where it stopped, and blocks through the peer's query system
 * chaincode (qscc).
 */
import { checkpointers, type Network } from "@hyperledger/fabric-gateway";
import { common, ledger, peer } from "@hyperledger/fabric-protos";
import { GatewayError, InvalidArgumentError, NotFoundError, UnavailableError } from "../errors.js";
import { privateFile } from "./private-files.js";
import type {
  BlockSource,
  ChaincodeEventStream,
  CommittedBlock,
  CommittedBlockSource,
  CommittedBlockStream,
  LedgerBlock,
  LedgerEventSource,
  RawChaincodeEvent,
  StateWrite,
  ValidTransaction,
} from "../ports/ledger-events.js";

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

/** Fabric's validation code of a transaction that changed state. */
const TX_VALID = 0;

/** Transaction time as the chaincode's key history reports it: ISO 8601 to the second. */
function secondsIso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * The VALID transactions of a block with their public writes in `chaincode`'s
 * namespace. The validation codes are the block's TRANSACTIONS_FILTER
 * metadata, set by the committing peer: an invalid transaction's writes never
 * reached state, so they never reach a read model either.
 */
export function committedBlockOf(channel: string, block: common.Block, chaincode: string): CommittedBlock {
  const header = block.getHeader();
  if (header === undefined) throw new InvalidArgumentError("block", "has no header");
  const codes = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array();
  const transactions: ValidTransaction[] = [];
  const envelopes = block.getData()?.getDataList_asU8() ?? [];
  envelopes.forEach((bytes, i) => {
    if (codes[i] !== TX_VALID) return;
    const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(bytes).getPayload_asU8());
    const channelHeader = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array());
    if (channelHeader.getType() !== common.HeaderType.ENDORSER_TRANSACTION) return;
    const writes: StateWrite[] = [];
    for (const action of peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()) {
      const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
      const responsePayload = peer.ProposalResponsePayload.deserializeBinary(actionPayload.getAction()?.getProposalResponsePayload_asU8() ?? new Uint8Array());
      const chaincodeAction = peer.ChaincodeAction.deserializeBinary(responsePayload.getExtension_asU8());
      const txRwSet = ledger.rwset.TxReadWriteSet.deserializeBinary(chaincodeAction.getResults_asU8());
      for (const ns of txRwSet.getNsRwsetList()) {
        if (ns.getNamespace() !== chaincode) continue;
        for (const w of ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8()).getWritesList()) {
          writes.push({ key: w.getKey(), value: w.getIsDelete() ? undefined : w.getValue_asU8() });
        }
      }
    }
    // google-protobuf's Timestamp type does not resolve through fabric-protos' declarations; its one method used here is typed here.
    const timestamp = channelHeader.getTimestamp() as { getSeconds(): number } | undefined;
    transactions.push({ txId: channelHeader.getTxId(), at: secondsIso(timestamp ? timestamp.getSeconds() : 0), writes });
  });
  return { channel, number: BigInt(header.getNumber()), transactions };
}

/** CommittedBlockSource over fabric-gateway's block events, on the peer the listening identity's Gateway connects to. */
export function newFabricCommittedBlockSource(networkFor: (channel: string) => Network, chaincode: string): CommittedBlockSource {
  return {
    async open(channel: string, startBlock: bigint): Promise<CommittedBlockStream> {
      let blocks: Awaited<ReturnType<Network["getBlockEvents"]>>;
      try {
        blocks = await networkFor(channel).getBlockEvents({ startBlock });
      } catch (error) {
        throw new UnavailableError("fabric", `cannot open block events of ${channel}: ${(error as Error).message}`, { cause: error });
      }
      return {
        async *[Symbol.asyncIterator](): AsyncGenerator<CommittedBlock> {
          for await (const block of blocks) yield committedBlockOf(channel, block, chaincode);
        },
        close(): void {
          blocks.close();
        },
      };
    },
  };
}
