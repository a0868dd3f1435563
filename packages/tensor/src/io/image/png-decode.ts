import { inflateSync } from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import { crc32 } from './crc32.js';
import type { RgbImage } from './rgb-image.js';

const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Decodes an 8-bit, non-interlaced PNG (greyscale, RGB, palette, grey+alpha or RGBA) to RGB; alpha is
 * composited over white. Anything else, or a damaged file, is a Left with the reason.
 */
export function decodePng(bytes: Uint8Array): E.Either<string, RgbImage> {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (bytes.length < 8 || sig.some((b, i) => bytes[i] !== b)) return E.left('not a PNG file (bad signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 8;
  let width = 0, height = 0, colorType = -1;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  while (off + 12 <= bytes.length) {
    const len = view.getUint32(off);
    const type = String.fromCharCode(...bytes.subarray(off + 4, off + 8));
    if (off + 12 + len > bytes.length) return E.left(`truncated ${type} chunk`);
    const data = bytes.subarray(off + 8, off + 8 + len);
    if (crc32(bytes.subarray(off + 4, off + 8 + len)) !== view.getUint32(off + 8 + len)) return E.left(`CRC mismatch in ${type} chunk`);
    if (type === 'IHDR') {
      width = view.getUint32(off + 8);
      height = view.getUint32(off + 12);
      const [depth, ct, , , interlace] = data.subarray(8, 13);
      if (depth !== 8) return E.left(`unsupported bit depth ${depth} (only 8 is read)`);
      if (interlace !== 0) return E.left('interlaced PNGs are not supported');
      if (!(ct in CHANNELS)) return E.left(`unknown colour type ${ct}`);
      colorType = ct;
    } else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  if (colorType < 0) return E.left('missing IHDR chunk');
  if (idat.length === 0) return E.left('missing IDAT chunk');
  if (colorType === 3 && !palette) return E.left('palette image without PLTE chunk');
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (err) {
    return E.left(`corrupt image data: ${(err as Error).message}`);
  }
  const bpp = CHANNELS[colorType];
  const stride = width * bpp;
  if (raw.length < (stride + 1) * height) return E.left('image data shorter than the image');
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = px.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? px.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp] : 0;
      const b = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      const predictor = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : -1;
      if (predictor < 0) return E.left(`unknown filter type ${filter} in row ${y}`);
      cur[i] = (src[i] + predictor) & 0xff;
    }
  }
  const out = new Uint8Array(width * height * 3);
  const over = (v: number, alpha: number) => Math.round((v * alpha + 255 * (255 - alpha)) / 255);
  for (let p = 0; p < width * height; p++) {
    const s = p * bpp;
    let rgb: [number, number, number];
    let alpha = 255;
    if (colorType === 0) rgb = [px[s], px[s], px[s]];
    else if (colorType === 4) {
      rgb = [px[s], px[s], px[s]];
      alpha = px[s + 1];
    }
    else if (colorType === 3) {
      const k = px[s] * 3;
      if (k + 2 >= palette!.length) return E.left(`palette index ${px[s]} out of range`);
      rgb = [palette![k], palette![k + 1], palette![k + 2]];
    } else rgb = [px[s], px[s + 1], px[s + 2]];
    if (colorType === 6) alpha = px[s + 3];
    out.set(alpha === 255 ? rgb : rgb.map((v) => over(v, alpha)), p * 3);
  }
  return E.right({ width, height, data: out });
}
