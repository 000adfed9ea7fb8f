import { Context, Contract, Info, Returns, Transaction } from "fabric-contract-api";
import {
  alreadyExists,
  DOCUMENT_KEY_TRANSIENT_KEY,
  EVENTS,
  forbidden,
  implicitOrgCollection,
  notFound,
  ORG_ROLES,
  parseCid,
  parseDocumentInput,
  parseDocumentKey,
  parseJsonObject,
  parseSubject,
  subjectKeyParts,
  type DocumentRecord,
  type Partner,
  type Subject,
} from "@rxtrace/domain";
import { requirePartner } from "../ledger/access";
import { begin } from "../ledger/begin";
import { loadLot, loadPack, loadProduct } from "../ledger/packs";
import { KEY_TYPES, result, type State } from "../ledger/state";
import { loadShipment } from "./shipments";

/** Orgs allowed to anchor documents to the subject; NOT_FOUND when it does not exist. */
async function subjectParties(state: State, subject: Subject): Promise<string[]> {
  switch (subject.type) {
    case "product":
      return [(await loadProduct(state, subject.gtin, "subject.gtin")).manufacturer];
    case "lot":
      return [(await loadLot(state, subject.gtin, subject.lot, "subject.lot")).manufacturer];
    case "pack": {
      const pack = await loadPack(state, subject, "subject.serial");
      return [pack.owner, (await loadProduct(state, subject.gtin, "subject.gtin")).manufacturer];
    }
    case "shipment": {
      const shipment = await loadShipment(state, subject.shipmentId, "subject.shipmentId");
      return [shipment.shipper, shipment.consignee];
    }
  }
}

function requireParty(partner: Partner, parties: readonly string[], subject: Subject): void {
  if (partner.role !== ORG_ROLES.REGULATOR && !parties.includes(partner.mspId)) {
    throw forbidden(`${partner.mspId} may not anchor documents to this ${subject.type}; allowed: ${parties.join(", ")} or the regulator`);
  }
}

/** Key of a document's encryption key in the org's implicit collection. */
export function documentKeyKey(cid: string): string {
  return `dockey\u0000${cid}`;
}

interface StoredDocumentKey {
  cid: string;
  key: string;
  storedAt: string;
  storedBy: string;
}

/** Hashes and IPFS CIDs of documents, anchored to a product, lot, pack or shipment. */
@Info({ title: "documents", description: "Anchor {sha256, cid, kind} to a product, lot, pack or shipment and list them" })
export class DocumentsContract extends Contract {
  constructor() {
    super("documents");
  }

  @Transaction()
  @Returns("string")
  async AnchorDocument(ctx: Context, documentJson: string): Promise<string> {
    const input = parseDocumentInput(parseJsonObject("document", documentJson));
    const { tx, state } = begin(ctx);
    const partner = await requirePartner(state, tx);
    requireParty(partner, await subjectParties(state, input.subject), input.subject);
    const parts = [...subjectKeyParts(input.subject), input.sha256];
    if (await state.exists(KEY_TYPES.DOCUMENT, parts)) throw alreadyExists(`document ${input.sha256} on this ${input.subject.type}`, "sha256");
    const record: DocumentRecord = { ...input, anchoredAt: tx.at, anchoredBy: tx.msp, txId: tx.txId };
    await state.put(KEY_TYPES.DOCUMENT, parts, record, [tx.msp]);
    state.emit(EVENTS.DOCUMENT_ANCHORED, { sha256: record.sha256, cid: record.cid, kind: record.kind, subject: record.subject });
    return result(record);
  }

  @Transaction(false)
  @Returns("string")
  async ListDocuments(ctx: Context, subjectJson: string): Promise<string> {
    const subject = parseSubject(parseJsonObject("subject", subjectJson));
    const { state } = begin(ctx);
    await subjectParties(state, subject);
    return result(await state.list<DocumentRecord>(KEY_TYPES.DOCUMENT, subjectKeyParts(subject)));
  }

  /** Keeps a confidential document's key (transient `key`, base64) in the caller's implicit collection. */
  @Transaction()
  @Returns("string")
  async PutDocumentKey(ctx: Context, cid: string): Promise<string> {
    parseCid(cid);
    const transient = ctx.stub.getTransient().get(DOCUMENT_KEY_TRANSIENT_KEY);
    const key = parseDocumentKey(transient ? new TextDecoder().decode(transient) : "");
    const { tx, state } = begin(ctx);
    await requirePartner(state, tx);
    const collection = implicitOrgCollection(tx.msp);
    if (await state.getPrivate(collection, documentKeyKey(cid))) throw alreadyExists(`key of document ${cid}`, "cid");
    const stored: StoredDocumentKey = { cid, key, storedAt: tx.at, storedBy: tx.msp };
    await state.putPrivate(collection, documentKeyKey(cid), stored);
    state.emit(EVENTS.DOCUMENT_KEY_STORED, { cid });
    return result({ cid, storedAt: tx.at });
  }

  /** The caller org's key of a confidential document. */
  @Transaction(false)
  @Returns("string")
  async GetDocumentKey(ctx: Context, cid: string): Promise<string> {
    parseCid(cid);
    const { tx, state } = begin(ctx);
    await requirePartner(state, tx);
    const stored = await state.getPrivate<StoredDocumentKey>(implicitOrgCollection(tx.msp), documentKeyKey(cid));
    if (!stored) throw notFound(`key of document ${cid}`, "cid");
    return result({ cid, key: stored.value.key });
  }

  /** Purges a document's key so the encrypted file can no longer be read (erasure). */
  @Transaction()
  @Returns("string")
  async PurgeDocumentKey(ctx: Context, cid: string): Promise<string> {
    parseCid(cid);
    const { tx, state } = begin(ctx);
    await requirePartner(state, tx);
    const collection = implicitOrgCollection(tx.msp);
    if (!(await state.getPrivate(collection, documentKeyKey(cid)))) throw notFound(`key of document ${cid}`, "cid");
    await state.purgePrivate(collection, documentKeyKey(cid));
    state.emit(EVENTS.DOCUMENT_KEY_PURGED, { cid });
    return result({ cid, purgedAt: tx.at });
  }
}
