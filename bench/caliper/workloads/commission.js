'use strict';
// One-pack commissions (packs:CommissionLot), each in a lot of its own so no two
// transactions touch the same key: the REST write round of docs/benchmarks.md.
const { WorkloadModuleBase } = require('@hyperledger/caliper-core');
const { GTIN, EXPIRY, ensureProduct } = require('./product');

class Commission extends WorkloadModuleBase {
    async initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext) {
        await super.initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext);
        this.prefix = `C${Date.now().toString(36).toUpperCase()}W${workerIndex}R${roundIndex}`;
        this.next = 0;
        if (workerIndex === 0) await ensureProduct(sutAdapter);
    }

    async submitTransaction() {
        const id = `${this.prefix}-${this.next++}`;
        return this.sutAdapter.sendRequests({
            contractId: 'rxtrace', contractFunction: 'packs:CommissionLot',
            contractArguments: [JSON.stringify({ gtin: GTIN, lot: id, expiry: EXPIRY, serials: [id] })],
            invokerIdentity: 'operator', readOnly: false,
        });
    }
}

module.exports.createWorkloadModule = () => new Commission();
