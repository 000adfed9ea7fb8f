// The trivial contract the benchmarks put beside rxtrace on the same topology:
// a write is one putState and one event, a read one getState. Whatever rxtrace
// costs above this line is its own work (validation, state layout); what this
// line costs is the network's and the endorsement policies'.
//
// Given the channel's members (a JSON array of MSP ids), a write also sets the
// key-level policy rxtrace sets on a record (owners' peers, plus one other
// member's peer when a single org owns it), encoded by the chaincode's own
// ledger/endorsement module, so both pay the same validation at commit.
// Without members it writes the key alone (the single-org reference).
"use strict";
const { Contract } = require("fabric-contract-api");
const { encodeKeyPolicy, keyPolicy } = require("@rxtrace/chaincode/dist/ledger/endorsement");

/** A kind of key that carries no decision of the regulator (keyPolicy's only use of it). */
const NOOP_KEY_TYPE = "noop";

async function write(ctx, key, value, owners, membersJson) {
  await ctx.stub.putState(key, Buffer.from(value));
  if (membersJson === undefined || membersJson === "") return;
  const policy = keyPolicy(NOOP_KEY_TYPE, undefined, owners, JSON.parse(membersJson));
  if (policy) await ctx.stub.setStateValidationParameter(key, encodeKeyPolicy(policy));
}

async function readExisting(ctx, key) {
  const value = await ctx.stub.getState(key);
  if (!value || value.length === 0) throw new Error(`NOT_FOUND: ${key}`);
  return value;
}

class NoopContract extends Contract {
  constructor() {
    super("noop");
  }

  async Put(ctx, key, value, membersJson) {
    await write(ctx, key, value, [ctx.clientIdentity.getMSPID()], membersJson);
    ctx.stub.setEvent("Put", Buffer.from(key));
  }

  /** Writes many keys in one transaction: the preload of the ship/receive reference pair. */
  async PutMany(ctx, keysJson, value, membersJson) {
    const owner = ctx.clientIdentity.getMSPID();
    for (const key of JSON.parse(keysJson)) await write(ctx, key, value, [owner], membersJson);
  }

  /** The reference for a one-pack ship: read the key, hand it to shipper and consignee together. */
  async Ship(ctx, key, consignee, membersJson) {
    await readExisting(ctx, key);
    await write(ctx, key, `IN_TRANSIT:${consignee}`, [ctx.clientIdentity.getMSPID(), consignee], membersJson);
    ctx.stub.setEvent("Ship", Buffer.from(key));
  }

  /** The reference for a one-pack receive: read the key, now held by the caller alone. */
  async Receive(ctx, key, membersJson) {
    await readExisting(ctx, key);
    await write(ctx, key, "RECEIVED", [ctx.clientIdentity.getMSPID()], membersJson);
    ctx.stub.setEvent("Receive", Buffer.from(key));
  }

  async Get(ctx, key) {
    const value = await ctx.stub.getState(key);
    return value && value.length > 0 ? value.toString("utf8") : "";
  }
}

module.exports.contracts = [NoopContract];
