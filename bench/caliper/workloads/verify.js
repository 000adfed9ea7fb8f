'use strict';
// packs:Verify evaluates over packs this worker commissions first in one
// batch: the verify round of docs/benchmarks.md (one evaluate per call).
const { WorkloadModuleBase } = require('@hyperledger/caliper-core');
const { GTIN, EXPIRY, ensureProduct } = require('./product');

class Verify extends WorkloadModuleBase {
    async initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext) {
        await super.initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext);
        await ensureProduct(sutAdapter);
        this.lot = `V${Date.now().toString(36).toUpperCase()}W${workerIndex}`;
        const count = Number(roundArguments.packs || 200);
        this.serials = Array.from({ length: count }, (_, i) => `${this.lot}-${i}`);
        await sutAdapter.sendRequests({
            contractId: 'rxtrace', contractFunction: 'packs:CommissionLot',
            contractArguments: [JSON.stringify({ gtin: GTIN, lot: this.lot, expiry: EXPIRY, serials: this.serials })],
            invokerIdentity: 'operator', readOnly: false,
        });
        this.next = 0;
    }

    async submitTransaction() {
        const serial = this.serials[this.next++ % this.serials.length];
        return this.sutAdapter.sendRequests({
            contractId: 'rxtrace', contractFunction: 'packs:Verify',
            contractArguments: [GTIN, serial, this.lot, EXPIRY],
            invokerIdentity: 'operator', readOnly: true,
        });
    }
}

module.exports.createWorkloadModule = () => new Verify();
