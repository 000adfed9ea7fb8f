// The trivial contract the benchmarks put beside rxtrace on the same topology:
// a write is one putState and one event, a read one getState. Whatever rxtrace
// costs above this line is its own work (validation, state layout, endorsement
// policy); what this line costs is the network's.
"use strict";
const { Contract } = require("fabric-contract-api");

class NoopContract extends Contract {
  constructor() {
    super("noop");
  }

  async Put(ctx, key, value) {
    await ctx.stub.putState(key, Buffer.from(value));
    ctx.stub.setEvent("Put", Buffer.from(key));
  }

  async Get(ctx, key) {
    const value = await ctx.stub.getState(key);
    return value && value.length > 0 ? value.toString("utf8") : "";
  }
}

module.exports.contracts = [NoopContract];
