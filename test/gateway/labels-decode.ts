/**
 * Reads a label image back the way a scanner would: decode the PNG to pixels
 * (a small decoder for the non-interlaced 8-bit PNGs bwip-js writes), then let
 * ZXing find and decode the barcode in the luminance plane.
 */
import { inflateSync } from "node:zlib";
import { BinaryBitmap, DataMatrixReader, DecodeHintType, HybridBinarizer, QRCodeReader, RGBLuminanceSource } from "@zxing/library";

export interface Grayscale {
  width: number;
  height: number;
  /** One luminance byte per pixel, row by row. */
  pixels: Uint8ClampedArray;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes an 8-bit, non-interlaced grayscale/RGB/RGBA PNG to luminance. */
export function decodePng(png: Buffer): Grayscale {
  if (png.subarray(0, 8).toString("hex") !== "89504e470d0a1a0a") throw new Error("not a PNG");
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      channels = CHANNELS[data[9] ?? -1] ?? 0;
      if (depth !== 8 || channels === 0 || data[12] !== 0) throw new Error("only 8-bit non-interlaced gray/RGB/RGBA PNGs are supported");
    } else if (type === "IDAT") idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const rows = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] ?? 0;
      const left = x >= channels ? (rows[y * stride + x - channels] ?? 0) : 0;
      const up = y > 0 ? (rows[(y - 1) * stride + x] ?? 0) : 0;
      const upLeft = y > 0 && x >= channels ? (rows[(y - 1) * stride + x - channels] ?? 0) : 0;
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter ?? 0] ?? 0;
      rows[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  const pixels = new Uint8ClampedArray(width * height);
  for (let i = 0; i < width * height; i++) {
    const p = i * channels;
    const gray = channels < 3 ? (rows[p] ?? 0) : ((rows[p] ?? 0) * 299 + (rows[p + 1] ?? 0) * 587 + (rows[p + 2] ?? 0) * 114) / 1000;
    const alpha = channels === 4 ? (rows[p + 3] ?? 255) : channels === 2 ? (rows[p + 1] ?? 255) : 255;
    // Transparent pixels read as white paper.
    pixels[i] = Math.round((gray * alpha + 255 * (255 - alpha)) / 255);
  }
  return { width, height, pixels };
}

/** The text ZXing reads from a PNG label. */
export function scanPng(png: Buffer): string {
  return scanGrayscale(decodePng(png));
}

/**
 * Rasterises the SVG bwip-js writes (a white background and filled paths of
 * straight M/L/Z segments) at one pixel per user unit, with SVG's default
 * nonzero fill rule, so the symbol can be decoded like the PNG.
 */
export function rasterizeSvg(svg: string): Grayscale {
  const box = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  if (!box) throw new Error("SVG has no viewBox 0 0 W H");
  const width = Number(box[1]);
  const height = Number(box[2]);
  const edges: { x: number; y1: number; y2: number; dir: number }[] = [];
  for (const [, d] of svg.matchAll(/<path d="([^"]*)"/g)) {
    const commands = (d ?? "").match(/[MLZ][^MLZ]*/g) ?? [];
    let start: [number, number] | undefined;
    let at: [number, number] | undefined;
    const edge = (from: [number, number], to: [number, number]): void => {
      if (from[0] === to[0] && from[1] !== to[1]) edges.push({ x: from[0], y1: Math.min(from[1], to[1]), y2: Math.max(from[1], to[1]), dir: to[1] > from[1] ? 1 : -1 });
      else if (from[0] !== to[0] && from[1] !== to[1]) throw new Error("SVG path has a diagonal edge");
    };
    for (const command of commands) {
      const kind = command[0];
      const numbers = command.slice(1).trim().split(/[\s,]+/).filter((n) => n !== "").map(Number);
      if (kind === "Z") {
        if (at && start) edge(at, start);
        at = start;
        continue;
      }
      const point: [number, number] = [numbers[0] ?? NaN, numbers[1] ?? NaN];
      if (numbers.length !== 2 || point.some((n) => !Number.isFinite(n))) throw new Error(`SVG path command ${command} is not M/L x y`);
      if (kind === "M") {
        if (at && start) edge(at, start);
        start = point;
      } else if (at) edge(at, point);
      at = point;
    }
    if (at && start) edge(at, start);
  }
  const pixels = new Uint8ClampedArray(width * height).fill(255);
  for (let y = 0; y < height; y++) {
    const cy = y + 0.5;
    const crossing = edges.filter((e) => e.y1 < cy && cy < e.y2).sort((a, b) => a.x - b.x);
    for (let x = 0; x < width; x++) {
      const cx = x + 0.5;
      const winding = crossing.filter((e) => e.x > cx).reduce((sum, e) => sum + e.dir, 0);
      if (winding !== 0) pixels[y * width + x] = 0;
    }
  }
  return { width, height, pixels };
}

/**
 * Decodes a grayscale image with ZXing: a DataMatrix if there is one, else a
 * QR code, else a QR code read as a pure barcode (ZXing's QR detector
 * misreads some clean computer-made QR images; the page does the same).
 */
export function scanGrayscale(image: Grayscale): string {
  const bitmap = (): BinaryBitmap => new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(image.pixels, image.width, image.height)));
  const hints = new Map<DecodeHintType, unknown>([[DecodeHintType.TRY_HARDER, true]]);
  const attempts = [
    () => new DataMatrixReader().decode(bitmap(), hints),
    () => new QRCodeReader().decode(bitmap(), hints),
    () => new QRCodeReader().decode(bitmap(), new Map([[DecodeHintType.PURE_BARCODE, true]])),
  ];
  let last: unknown;
  for (const attempt of attempts) {
    try {
      return attempt().getText();
    } catch (err) {
      last = err;
    }
  }
  throw last instanceof Error ? last : new Error("no barcode found");
}
