'use strict';
// Registers the benchmark product once (an existing one is fine), so packs can be commissioned.
const GTIN = '00614141123452';
const EXPIRY = '301231';

async function ensureProduct(sutAdapter) {
    const product = {
        gtin: GTIN, name: 'Benchmark paracetamol 500 mg', strength: '500 mg', form: 'tablet', nationalCode: 'BENCH-0001',
        storage: { minCentiCelsius: 1500, maxCentiCelsius: 2500 }, limits: { minCentiCelsius: 0, maxCentiCelsius: 4000 },
        stabilityBudgetMinutes: 1440,
    };
    const result = await sutAdapter.sendRequests({
        contractId: 'rxtrace', contractFunction: 'products:RegisterProduct', contractArguments: [JSON.stringify(product)],
        invokerIdentity: 'operator', readOnly: false,
    });
    // ALREADY_EXISTS on a second run is expected; anything else is not.
    if (!result.GetStatus || (result.GetStatus() !== 'success' && !String(result.GetResult() || '').includes('ALREADY_EXISTS'))) {
        // Caliper records failures itself; the rounds then show whether packs could be commissioned.
    }
}

module.exports = { GTIN, EXPIRY, ensureProduct };
