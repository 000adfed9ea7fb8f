import { CERT_ROLES, type CertRole } from "./vocabulary";

const { OPERATOR, QUALITY, PHARMACIST, AUDITOR, ADMIN } = CERT_ROLES;
/** Every role a trading partner's users have. */
const TRADERS: readonly CertRole[] = [OPERATOR, QUALITY, PHARMACIST, ADMIN];
/** Every role: the transaction is open to any user of a member org with a role, the org rules decide. */
const ANY_ROLE: readonly CertRole[] = [...TRADERS, AUDITOR];

/**
 * Which certificate roles may submit each transaction that writes, checked by
 * the chaincode itself (ledger/begin.ts) from the client certificate, so a
 * user calling its own peer directly cannot bypass the gateway's role matrix
 * (gateway/src/auth/policy.ts grants the same roles, a test keeps them in
 * step). The org rules (which org may do what) are checked by each
 * transaction; reads are open to every role of a member.
 */
export const TRANSACTION_ROLES: Readonly<Record<string, readonly CertRole[]>> = {
  "partners:RegisterPartner": [ADMIN],
  "products:RegisterProduct": [OPERATOR, QUALITY, ADMIN],
  "products:WithdrawProduct": [OPERATOR, QUALITY, ADMIN, AUDITOR],
  "packs:CommissionLot": [OPERATOR, ADMIN],
  "packs:Dispense": [PHARMACIST, OPERATOR, ADMIN],
  "packs:Decommission": TRADERS,
  "packs:UndoDecommission": [PHARMACIST, OPERATOR, ADMIN],
  "packs:RecallLot": [OPERATOR, QUALITY, ADMIN, AUDITOR],
  "packs:SetMark": ANY_ROLE,
  "packs:ClearMark": ANY_ROLE,
  "shipments:Ship": TRADERS,
  "shipments:Receive": TRADERS,
  "coldchain:RecordReadings": TRADERS,
  // A hold decision is the manufacturer's quality function's alone.
  "coldchain:ReleaseHold": [QUALITY],
  "coldchain:DestroyHeld": [QUALITY],
  "crosschannel:HandOff": TRADERS,
  "crosschannel:ImportPacks": TRADERS,
  // A sync copies what the source channel says: any member may carry it (the gateway's recall relay does).
  "crosschannel:SyncRecall": ANY_ROLE,
  "crosschannel:SyncWithdrawal": ANY_ROLE,
  "documents:AnchorDocument": ANY_ROLE,
  "documents:PutDocumentKey": ANY_ROLE,
  "documents:PurgeDocumentKey": ANY_ROLE,
};

/** The contract whose transactions are called without a `contract:` prefix (chaincode/src/index.ts). */
export const DEFAULT_CONTRACT = "packs";

/** The `contract:Transaction` name of a called function, prefixing the default contract. */
export function qualifiedTransaction(fcn: string): string {
  return fcn.includes(":") ? fcn : `${DEFAULT_CONTRACT}:${fcn}`;
}
