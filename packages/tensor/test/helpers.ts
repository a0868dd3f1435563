import { expect } from 'vitest';
import * as T from '../src/index.js';
import type { DeviceName, DType, Tensor } from '../src/index.js';

/** Deterministic PRNG for test data (mulberry32). */
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

/** Random data for a dtype: floats in [lo, hi), ints in [-5, 5] (u32 in [0, 9]), bools 0/1. */
export function randomData(r: () => number, size: number, dtype: DType, lo = -2, hi = 2): number[] {
  return Array.from({ length: size }, () => {
    switch (dtype) {
      case 'f32':
      case 'f16':
        return lo + (hi - lo) * r();
      case 'i32':
        return Math.floor(r() * 11) - 5;
      case 'u32':
        return Math.floor(r() * 10);
      case 'bool':
        return r() < 0.5 ? 1 : 0;
    }
  });
}

/** A random shape of the given rank with dims in [1, maxDim], biased toward 1 and odd sizes. */
export function randomShape(r: () => number, rank: number, maxDim = 7): number[] {
  return Array.from({ length: rank }, () => (r() < 0.2 ? 1 : 1 + Math.floor(r() * maxDim)));
}

/** The WebGPU device if an adapter exists and MMADA_DEVICE does not ask for cpu only. */
export async function webgpuAvailable(options: T.InitOptions = {}): Promise<boolean> {
  if (process.env.MMADA_DEVICE === 'cpu') return false;
  try {
    await T.ensureBackend('webgpu', options);
    return true;
  } catch (e) {
    // CI installs an adapter (scripts/setup-webgpu.sh): there a missing one is a failure, not a skip.
    if (process.env.MMADA_DEVICE === 'webgpu' || process.env.CI === 'true') throw e;
    return false;
  }
}

export async function expectClose(actual: Tensor, expected: Tensor | ArrayLike<number>, tol: { atol?: number; rtol?: number } = {}, what = ''): Promise<void> {
  const atol = tol.atol ?? 1e-5;
  const rtol = tol.rtol ?? 1e-5;
  const a = await actual.data();
  const e = ArrayBuffer.isView(expected) || Array.isArray(expected) ? (expected as ArrayLike<number>) : await (expected as Tensor).data();
  if (!(ArrayBuffer.isView(expected) || Array.isArray(expected))) {
    expect(actual.shape, `${what} shape`).toEqual((expected as Tensor).shape);
    expect(actual.dtype, `${what} dtype`).toBe((expected as Tensor).dtype);
  }
  expect(a.length, `${what} length`).toBe(e.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    if (Number.isNaN(y)) {
      expect(Number.isNaN(x), `${what} [${i}] expected NaN, got ${x}`).toBe(true);
      continue;
    }
    if (x === y) continue;
    const ok = Math.abs(x - y) <= atol + rtol * Math.abs(y);
    if (!ok) expect.fail(`${what} element ${i}: got ${x}, expected ${y} (atol ${atol}, rtol ${rtol})`);
  }
}

export function on(device: DeviceName, data: readonly number[], shape: readonly number[], dtype: DType = 'f32'): Tensor {
  return T.tensor(data as number[], shape, dtype, { device });
}
