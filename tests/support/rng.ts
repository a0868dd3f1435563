import { tensor, type DeviceName, type DType, type Tensor } from '@mmada/tensor';

/**
 * The one seeded generator of test data (mulberry32: 32-bit state, uniform in [0, 1)). Every package's tests
 * draw from it, so a seed names the same numbers everywhere.
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` (or the size of a shape) numbers uniform in [shift - scale, shift + scale). */
export function uniformValues(r: () => number, size: number | readonly number[], scale = 1, shift = 0): number[] {
  const n = typeof size === 'number' ? size : size.reduce((p, d) => p * d, 1);
  return Array.from({ length: n }, () => shift + scale * (2 * r() - 1));
}

/** An f32 tensor of `shape` with values uniform in [shift - scale, shift + scale). */
export function uniformTensor(r: () => number, shape: readonly number[], scale = 1, shift = 0, device?: DeviceName): Tensor {
  return tensor(uniformValues(r, shape, scale, shift), [...shape], 'f32', device ? { device } : {});
}

/** Random data for a dtype: floats in [lo, hi), ints in [-5, 5] (u32 in [0, 9]), bools 0/1. */
export function randomData(r: () => number, size: number, dtype: DType, lo = -2, hi = 2): number[] {
  return Array.from({ length: size }, () => {
    switch (dtype) {
      case 'i32':
        return Math.floor(r() * 11) - 5;
      case 'u32':
        return Math.floor(r() * 10);
      case 'bool':
        return r() < 0.5 ? 1 : 0;
      default:
        return lo + (hi - lo) * r();
    }
  });
}

/** A random shape of the given rank with dims in [1, maxDim], biased toward 1 and odd sizes. */
export function randomShape(r: () => number, rank: number, maxDim = 7): number[] {
  return Array.from({ length: rank }, () => (r() < 0.2 ? 1 : 1 + Math.floor(r() * maxDim)));
}
