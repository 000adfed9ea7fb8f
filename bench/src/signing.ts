/**
 * Signatures per second of the two ways to sign as a Fabric client, on one
 * core: fabric-gateway's pure-JavaScript signer (@noble/curves, after
 * fabric-gateway's own SHA-256) and the gateway's node:crypto signer
 * (OpenSSL hashes and signs, then low-S DER). Each signs messages the size of
 * a proposal and of a transaction envelope carrying three endorsements, and
 * reports signatures per second of CPU time (what the gateway pays per call).
 *
 *   npx tsx bench/src/signing.ts [--seconds N]
 */
import { generateKeyPairSync, randomBytes, verify } from "node:crypto";
import { hash, signers, type Signer } from "@hyperledger/fabric-gateway";
import { fabricSigning } from "../../gateway/src/adapters/fabric-signer.js";

/** A signed proposal of one packs:Verify call (creator certificate, headers, arguments), and a transaction with three endorsements. */
const MESSAGE_SIZES = [{ label: "proposal", bytes: 1_500 }, { label: "transaction", bytes: 6_000 }] as const;

/** Each cell is the median of this many alternating rounds. */
const ROUNDS = 3;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Way {
  readonly label: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

function argSeconds(): number {
  const at = process.argv.indexOf("--seconds");
  const value = at >= 0 ? Number(process.argv[at + 1]) : 3;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--seconds must be a positive number, not ${process.argv[at + 1]}`);
  return value;
}

/**
 * Signatures per second of this process's CPU time, signing one after another
 * for `seconds` after a warm-up: CPU time, not wall time, so other processes
 * on a shared host do not lower the figure.
 */
async function rate(way: Way, messages: readonly Uint8Array[], seconds: number): Promise<number> {
  for (let i = 0; i < 200; i++) await way.sign(messages[i % messages.length]!);
  let count = 0;
  const cpuAtStart = process.cpuUsage();
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 50; i++) await way.sign(messages[(count + i) % messages.length]!);
    count += 50;
  }
  const cpu = process.cpuUsage(cpuAtStart);
  return count / ((cpu.user + cpu.system) / 1e6);
}

async function main(): Promise<void> {
  const seconds = argSeconds();
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pure: Signer = signers.newPrivateKeySigner(privateKey);
  const native = fabricSigning(privateKey);
  const ways: Way[] = [
    { label: "pure JS (@noble/curves)", sign: (message) => pure(hash.sha256(message)) },
    { label: "node:crypto (OpenSSL)", sign: (message) => native.signer(native.hash(message)) },
  ];
  console.log(`node ${process.version}, P-256, one core, median of ${ROUNDS} alternating rounds of ${seconds} s`);
  console.log("| message | signer | signatures per CPU second |");
  console.log("|---|---|---:|");
  for (const size of MESSAGE_SIZES) {
    const messages = Array.from({ length: 64 }, () => randomBytes(size.bytes));
    const samples: number[][] = ways.map(() => []);
    for (const way of ways) {
      const check = messages[0]!;
      if (!verify("sha256", check, publicKey, await way.sign(check))) throw new Error(`${way.label} made a signature that does not verify`);
    }
    // Rounds alternate the two signers, so a busy neighbour on a shared host slows both alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, way] of ways.entries()) samples[i]!.push(await rate(way, messages, seconds));
    }
    const rates = samples.map(median);
    for (const [i, way] of ways.entries()) console.log(`| ${size.label}, ${size.bytes} B | ${way.label} | ${Math.round(rates[i]!)} |`);
    console.log(`| ${size.label}, ${size.bytes} B | speed-up | ${(rates[1]! / rates[0]!).toFixed(1)}x |`);
  }
}

await main();
