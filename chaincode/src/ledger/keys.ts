/** Object types of composite keys: one per record kind. */
export const KEY_TYPES = {
  PARTNER: "partner",
  PRODUCT: "product",
  LOT: "lot",
  LOT_PACKS: "lotpacks",
  PACK: "pack",
  SHIPMENT: "shipment",
  RETURN: "return",
  CONTAINER: "container",
  COLD_CHAIN: "coldchain",
  HOLD_DECISION: "holddecision",
  DOCUMENT: "document",
  HAND_OFF: "handoff",
  ALERT: "alert",
  // investigations (contracts/investigations.ts)
  INVESTIGATION: "investigation",
  TRACING: "tracing",
  TRACING_ANSWER: "tracinganswer",
} as const;
export type KeyType = (typeof KEY_TYPES)[keyof typeof KEY_TYPES];
