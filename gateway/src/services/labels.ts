/**
 * Pack labels: the GS1 DataMatrix printed on a pack (AIs 01, 17, 10, 21) and a
 * QR code holding the pack's GS1 Digital Link URL, rendered as PNG or SVG so a
 * label on screen or paper can be scanned back. bwip-js is loaded on the
 * first label: most gateways (a pharmacy's) never draw one.
 */
import type bwipjs from "bwip-js";
import { formatBracketed, formatDigitalLink, formatElementString, type PackIdentifiers } from "@rxtrace/domain";
import type { Principal } from "../auth/principal.js";
import type { LedgerClient } from "../ports/ledger.js";
import { PackService } from "./packs.js";

export const LABEL_SYMBOLOGIES = ["datamatrix", "qr"] as const;
export type LabelSymbology = (typeof LABEL_SYMBOLOGIES)[number];

export const LABEL_IMAGE_FORMATS = ["png", "svg"] as const;
export type LabelImageFormat = (typeof LABEL_IMAGE_FORMATS)[number];

export interface LabelRequest {
  readonly pack: PackIdentifiers;
  readonly symbology: LabelSymbology;
  readonly image: LabelImageFormat;
  /** Origin of the Digital Link URL in a QR label, e.g. `http://127.0.0.1:3000`. */
  readonly digitalLinkOrigin: string;
  /** Size: bwip-js draws a module 2 x scale pixels (PNG) or user units (SVG) wide. */
  readonly scale: number;
}

export interface Label {
  readonly contentType: "image/png" | "image/svg+xml";
  readonly body: Buffer;
  /** What a scanner reads back: the element string (GS after variable fields) or the Digital Link URL. */
  readonly encodedText: string;
}

/** Quiet zone around the symbol, in modules; ZXing does not find a DataMatrix without one. */
const QUIET_ZONE_MODULES = 2;
const QR_QUIET_ZONE_MODULES = 4;

/** The text a scanner returns for the label (without the `]d2` symbology identifier). */
export function labelText(pack: PackIdentifiers, symbology: LabelSymbology, digitalLinkOrigin: string): string {
  return symbology === "datamatrix" ? formatElementString(pack) : formatDigitalLink(digitalLinkOrigin, pack);
}

function renderOptions(request: LabelRequest): bwipjs.RenderOptions {
  if (request.symbology === "datamatrix") {
    const quiet = QUIET_ZONE_MODULES * request.scale;
    // bwip-js takes the bracketed form and encodes FNC1 and the separators itself.
    return { bcid: "gs1datamatrix", text: formatBracketed(request.pack), scale: request.scale, paddingwidth: quiet, paddingheight: quiet, backgroundcolor: "FFFFFF" };
  }
  const quiet = QR_QUIET_ZONE_MODULES * request.scale;
  return {
    bcid: "qrcode",
    text: formatDigitalLink(request.digitalLinkOrigin, request.pack),
    scale: request.scale,
    paddingwidth: quiet,
    paddingheight: quiet,
    backgroundcolor: "FFFFFF",
  };
}

type Bwip = typeof bwipjs;

/** A logistic label's symbologies: the GS1-128 barcode of SSCC labels, or a QR code of the SSCC's Digital Link URL. */
export const SSCC_LABEL_SYMBOLOGIES = ["gs1-128", "qr"] as const;
export type SsccLabelSymbology = (typeof SSCC_LABEL_SYMBOLOGIES)[number];

export interface SsccLabelRequest {
  readonly sscc: string;
  readonly symbology: SsccLabelSymbology;
  readonly image: LabelImageFormat;
  readonly digitalLinkOrigin: string;
  readonly scale: number;
}

/** GS1-128 needs a quiet zone of 10 modules on each side. */
const LINEAR_QUIET_ZONE_MODULES = 10;

/** What a scanner reads back from a container's label: the element string 00{sscc}, or the Digital Link URL. */
export function ssccLabelText(sscc: string, symbology: SsccLabelSymbology, digitalLinkOrigin: string): string {
  return symbology === "gs1-128" ? `00${sscc}` : `${digitalLinkOrigin.replace(/\/+$/, "")}/00/${sscc}`;
}

/** Renders a case's or pallet's SSCC label. */
export async function renderSsccLabel(request: SsccLabelRequest): Promise<Label> {
  const encodedText = ssccLabelText(request.sscc, request.symbology, request.digitalLinkOrigin);
  const quiet = (request.symbology === "gs1-128" ? LINEAR_QUIET_ZONE_MODULES : QR_QUIET_ZONE_MODULES) * request.scale;
  const options: bwipjs.RenderOptions =
    request.symbology === "gs1-128"
      ? { bcid: "gs1-128", text: `(00)${request.sscc}`, scale: request.scale, height: 15, includetext: true, paddingwidth: quiet, paddingheight: quiet, backgroundcolor: "FFFFFF" }
      : { bcid: "qrcode", text: encodedText, scale: request.scale, paddingwidth: quiet, paddingheight: quiet, backgroundcolor: "FFFFFF" };
  return drawn(options, encodedText, request.image);
}

async function drawn(options: bwipjs.RenderOptions, encodedText: string, image: LabelImageFormat): Promise<Label> {
  const { default: bwip } = await import("bwip-js");
  if (image === "png") return { contentType: "image/png", body: await toPng(bwip, options), encodedText };
  return { contentType: "image/svg+xml", body: Buffer.from(bwip.toSVG(options), "utf8"), encodedText };
}

function toPng(bwip: Bwip, options: bwipjs.RenderOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    bwip.toBuffer(options, (err, png) => {
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(png);
    });
  });
}

/**
 * Renders one label.
 * @throws Error when bwip-js refuses the data (it cannot once the identifiers are validated)
 */
export async function renderLabel(request: LabelRequest): Promise<Label> {
  return drawn(renderOptions(request), labelText(request.pack, request.symbology, request.digitalLinkOrigin), request.image);
}

/**
 * The printed identity (lot and expiry bound at commissioning) of a pack the
 * caller can see, from its live view (dist-pharm once handed off).
 * @throws NotFoundError when no channel the caller reads knows the pack
 */
export async function findPackIdentifiers(ledger: LedgerClient, as: Principal, gtin: string, serial: string): Promise<PackIdentifiers> {
  const live = await new PackService(ledger).locate(as, gtin, serial);
  return { gtin, serial, lot: live.result.lot, expiry: live.result.expiry };
}
