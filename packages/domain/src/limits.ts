/**
 * Limits every layer applies to the same input: the chaincode's validation
 * (records.ts) and the gateway's request schemas read these, so a request the
 * gateway lets through is never refused by the chaincode for its size, and the
 * reverse.
 */

/** Serials one CommissionLot call may commission. */
export const MAX_SERIALS_PER_LOT_CALL = 10_000;
/** Pack references one call may carry (ship, receive, hand-off, import). */
export const MAX_PACKS_PER_CALL = 10_000;
/** Temperature readings one RecordReadings call may carry. */
export const MAX_READINGS_PER_CALL = 5_000;
/** Characters of a free-text reason (recall, withdrawal, mark, hold decision). */
export const MAX_REASON_LENGTH = 500;
/** Characters of a name (partner, product, strength, form). */
export const MAX_NAME_LENGTH = 200;
/** Characters of a product's national code. */
export const MAX_NATIONAL_CODE_LENGTH = 40;
/** Characters of an invoice reference in trade terms. */
export const MAX_INVOICE_REF_LENGTH = 100;
/** Packs one saleable return may carry: a pharmacy's return is a tote, not a pallet, and the event lists them. */
export const MAX_PACKS_PER_RETURN = 500;
/** Returns one returns:ListReturns page may hold. */
export const MAX_RETURNS_PAGE = 100;
/**
 * Container levels one aggregation may nest: pallet > case > inner case, each
 * holding packs and/or the level below. A container holding only packs is
 * level 1; one holding a level-1 container is level 2; a pallet of cases of
 * inner cases is level 3, the most a container may be.
 */
export const MAX_AGGREGATION_DEPTH = 3;
/**
 * Packs one container may hold, counting those of the containers inside it:
 * a pallet of 1,000 packs ships and is received in one transaction (within
 * MAX_PACKS_PER_CALL, which bounds a shipment's expanded pack list).
 */
export const MAX_PACKS_PER_CONTAINER = 1_000;
/** Child containers one container may hold directly (cases on a pallet). */
export const MAX_CHILD_CONTAINERS = 200;
/** Containers (SSCCs) one shipment or receipt may name. */
export const MAX_CONTAINERS_PER_CALL = 200;
