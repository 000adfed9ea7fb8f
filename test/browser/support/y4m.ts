/**
 * Writes a still image as a short YUV4MPEG2 (.y4m) video, the format
 * Chromium's fake camera plays from a file: the label centred on white, a few
 * identical grey-scale frames (Y = luminance, U = V = 128).
 */
import type { Grayscale } from "../../gateway/labels-decode.js";

export function stillToY4m(image: Grayscale, width = 640, height = 480, frames = 10): Buffer {
  if (image.width > width || image.height > height) throw new Error("the label is larger than the camera frame");
  const luma = Buffer.alloc(width * height, 255);
  const left = Math.floor((width - image.width) / 2);
  const top = Math.floor((height - image.height) / 2);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) luma[(top + y) * width + left + x] = image.pixels[y * image.width + x] ?? 255;
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), luma, chroma]);
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`), ...Array<Buffer>(frames).fill(frame)]);
}
