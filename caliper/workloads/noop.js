'use strict';
// The reference chaincode: Put (one putState + one event) or Get, by round argument `op`.
const { WorkloadModuleBase } = require('@hyperledger/caliper-core');

class Noop extends WorkloadModuleBase {
    async initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext) {
        await super.initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext);
        this.prefix = `N${Date.now().toString(36)}w${workerIndex}r${roundIndex}`;
        this.read = roundArguments.op === 'get';
        this.next = 0;
    }

    async submitTransaction() {
        const key = `${this.prefix}-${this.read ? this.next++ % 100 : this.next++}`;
        return this.sutAdapter.sendRequests({
            contractId: 'noop', contractFunction: this.read ? 'Get' : 'Put',
            contractArguments: this.read ? [key] : [key, '{}'],
            invokerIdentity: 'operator', readOnly: this.read,
        });
    }
}

module.exports.createWorkloadModule = () => new Noop();
