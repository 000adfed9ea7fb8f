'use strict';
// The reference chaincode: Put (one putState + one event) or Get, by round argument `op`.
// Put passes mfr-dist's members (network/topology.json), so noop sets
// rxtrace's key-level policy on the key, as in npm run bench.
const { WorkloadModuleBase } = require('@hyperledger/caliper-core');
const topology = require('../../../network/topology.json');

const MFR_DIST = 'mfr-dist';
const mspOf = (name) => topology.orgs.find((org) => org.name === name).mspId;
const MEMBERS = JSON.stringify(topology.channels.find((c) => c.name === MFR_DIST).orgs.map(mspOf));

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
            contractArguments: this.read ? [key] : [key, '{}', MEMBERS],
            invokerIdentity: 'operator', readOnly: this.read,
        });
    }
}

module.exports.createWorkloadModule = () => new Noop();
