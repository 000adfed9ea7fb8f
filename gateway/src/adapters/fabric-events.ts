/**
 * LedgerEventSource over fabric-gateway: `getChaincodeEvents` with a file
 * checkpointer, so a restarted gateway resumes where it stopped.
 */
import { checkpointers, type Network } from "@hyperledger/fabric-gateway";
import { UnavailableError } from "../errors.js";
import type { ChaincodeEventStream, LedgerEventSource, RawChaincodeEvent } from "../ports/ledger-events.js";

/**
 * @param networkFor the connected Network of a channel (the listening identity must be a member)
 * @param chaincode the chaincode whose events are streamed
 */
export function newFabricEventSource(networkFor: (channel: string) => Network, chaincode: string): LedgerEventSource {
  return {
    async open(channel: string, checkpointFile: string): Promise<ChaincodeEventStream> {
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
