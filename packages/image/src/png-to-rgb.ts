/**
 * Any decoded PNG (grey, RGB, palette, grey+alpha, RGBA; 1 to 16 bits; with or without tRNS) to 8-bit RGB.
 * 16-bit samples keep their high byte (as libpng's strip-16 and Pillow do); 1/2/4-bit grey is scaled to
 * 0…255; alpha is composited over white.
 */
import type { DecodedPng } from 'fast-png';
import type { RgbImage } from './rgb-image.js';

const over = (v: number, alpha: number) => (alpha === 255 ? v : Math.round((v * alpha + 255 * (255 - alpha)) / 255));

/** The i-th sample of a row-packed array of `depth`-bit samples. */
function packedSample(data: ArrayLike<number>, rowBytes: number, width: number, depth: number, i: number): number {
  const y = Math.floor(i / width), x = i % width;
  const bit = x * depth;
  const byte = data[y * rowBytes + (bit >> 3)]!;
  return (byte >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
}

export function pngToRgb(png: DecodedPng, colorType: number, key?: readonly number[]): RgbImage {
  const { width, height, depth, channels, data } = png;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  const rowBytes = Math.ceil((width * depth * channels) / 8);
  // Sample s of pixel p, as an 8-bit value (palette indices stay raw).
  const sample = depth === 16
    ? (p: number, s: number) => data[p * channels + s]! >> 8
    : depth === 8
      ? (p: number, s: number) => data[p * channels + s]!
      : (p: number) => packedSample(data, rowBytes, width, depth, p);
  const scale = depth < 8 && colorType === 0 ? 255 / ((1 << depth) - 1) : 1;
  // `key`: tRNS on grey / RGB names one colour (in the file's own depth) that is fully transparent.
  const raw = (p: number, s: number) => (depth === 16 ? data[p * channels + s]! : depth === 8 ? data[p * channels + s]! : packedSample(data, rowBytes, width, depth, p));
  for (let p = 0; p < n; p++) {
    let r: number, g: number, b: number, a = 255;
    if (colorType === 3) {
      const entry = png.palette![sample(p, 0)];
      if (!entry) throw new RangeError(`palette index ${sample(p, 0)} out of range (${png.palette!.length} colours)`);
      [r, g, b] = entry as [number, number, number];
      a = entry[3] ?? 255;
    } else if (channels <= 2) {
      r = g = b = Math.round(sample(p, 0) * scale);
      if (channels === 2) a = sample(p, 1);
      else if (key && raw(p, 0) === key[0]) a = 0;
    } else {
      [r, g, b] = [sample(p, 0), sample(p, 1), sample(p, 2)];
      if (channels === 4) a = sample(p, 3);
      else if (key && raw(p, 0) === key[0] && raw(p, 1) === key[1] && raw(p, 2) === key[2]) a = 0;
    }
    out[p * 3] = over(r, a);
    out[p * 3 + 1] = over(g, a);
    out[p * 3 + 2] = over(b, a);
  }
  return { width, height, data: out };
}
