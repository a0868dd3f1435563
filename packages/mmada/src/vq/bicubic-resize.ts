/**
 * Bicubic resampling of 8-bit RGB images, bit-exact with Pillow's `Image.resize(size, Image.BICUBIC)` (what
 * torchvision's `Resize` does to PIL images, and so what upstream's `image_transform` feeds the tokenizer):
 * a separable filter (Keys cubic, a = −0.5) widened by the scale factor when shrinking (antialiasing),
 * coefficients normalised and rounded to 22-bit fixed point, the horizontal pass first, rounded to 8 bits,
 * then the vertical pass. An axis whose size does not change is not resampled.
 */
import type { RgbImage } from '@mmada/image';

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

function bicubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

interface Coefficients {
  /** First source index of each output position. */
  readonly start: Int32Array;
  /** Number of source taps of each output position. */
  readonly count: Int32Array;
  /** ksize fixed-point weights per output position. */
  readonly weights: Float64Array;
  readonly ksize: number;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis. */
function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = bicubic((x + xmin - center + 0.5) / filterScale);
      sum += k[x]!;
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum !== 0 ? k[x]! / sum : k[x]!;
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { start, count, weights, ksize };
}

const clip8 = (acc: number): number => Math.min(255, Math.max(0, Math.floor((acc + HALF) / ONE)));

function resampleHorizontal(img: RgbImage, width: number): RgbImage {
  const c = coefficients(img.width, width);
  const out = new Uint8Array(width * img.height * 3);
  for (let y = 0; y < img.height; y++) {
    const row = y * img.width * 3;
    for (let x = 0; x < width; x++) {
      const s = c.start[x]!, n = c.count[x]!, base = x * c.ksize;
      let r = 0, g = 0, b = 0;
      for (let t = 0; t < n; t++) {
        const w = c.weights[base + t]!;
        const p = row + (s + t) * 3;
        r += w * img.data[p]!;
        g += w * img.data[p + 1]!;
        b += w * img.data[p + 2]!;
      }
      const o = (y * width + x) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return { width, height: img.height, data: out };
}

function resampleVertical(img: RgbImage, height: number): RgbImage {
  const c = coefficients(img.height, height);
  const stride = img.width * 3;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const s = c.start[y]!, n = c.count[y]!, base = y * c.ksize;
    for (let i = 0; i < stride; i++) {
      let acc = 0;
      for (let t = 0; t < n; t++) acc += c.weights[base + t]! * img.data[(s + t) * stride + i]!;
      out[y * stride + i] = clip8(acc);
    }
  }
  return { width: img.width, height, data: out };
}

/** The image resampled to width × height with Pillow's BICUBIC filter. */
export function resizeBicubic(img: RgbImage, width: number, height: number): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`resize target must be positive integers, got ${width}×${height}`);
  }
  const h = width !== img.width ? resampleHorizontal(img, width) : img;
  return height !== img.height ? resampleVertical(h, height) : h === img ? { ...img, data: img.data.slice() } : h;
}
