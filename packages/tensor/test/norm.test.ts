/**
 * rmsNorm / layerNorm / groupNorm on the cpu reference device, against explicit formulas written with
 * existing ops and hand-worked values. Tolerance: atol 1e-5, rtol 1e-5 (f32 results).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { expectClose } from '../../../tests/support/expect-close.js';
import { rng, uniformTensor } from '../../../tests/support/rng.js';

const tol = { atol: 1e-5, rtol: 1e-5 };
const randn = (r: () => number, shape: number[], scale = 2, shift = 0) => uniformTensor(r, shape, scale, shift);

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

describe('rmsNorm', () => {
  it('is w ⊙ x / sqrt(mean(x²) + eps) over the last axis', async () => {
    const r = rng(10);
    const x = randn(r, [2, 3, 5]);
    const w = randn(r, [5]);
    const naive = T.mul(w, T.mul(x, T.rsqrt(T.add(T.mean(T.square(x), -1, { keepDims: true }), 1e-5))));
    await expectClose(T.rmsNorm(x, w, 1e-5), naive, tol);
    await expectClose(T.rmsNorm(x, null, 0.5), T.mul(x, T.rsqrt(T.add(T.mean(T.square(x), -1, { keepDims: true }), 0.5))), tol);
  });
  it('hand-worked row: [3, 4] -> [3, 4] / sqrt(12.5)', async () => {
    await expectClose(T.rmsNorm(T.tensor([[3, 4]]), T.tensor([1, 2]), 0), [3 / Math.sqrt(12.5), 8 / Math.sqrt(12.5)], tol);
  });
  it('f16 input: statistics in f32, normalised value rounded to f16 before the weight', async () => {
    const x = T.tensor([[0.1, -2, 3.3, 7]], [1, 4], 'f16');
    const w = T.tensor([1.5, 2, -1, 0.3], [4], 'f16');
    const y = T.rmsNorm(x, w);
    expect(y.dtype).toBe('f16');
    const n16 = T.cast(T.rmsNorm(T.cast(x, 'f32'), null), 'f16');
    await expectClose(y, T.mul(n16, w), { atol: 0, rtol: 0 });
  });
  it('checks the weight shape', () => {
    expect(() => T.rmsNorm(T.zeros([2, 3]), T.zeros([2]))).toThrow(/weight must have shape \[3\]/);
  });
});

describe('layerNorm', () => {
  it('is (x - mean) / sqrt(var + eps) · w + b', async () => {
    const r = rng(11);
    const x = randn(r, [4, 6], 2, 1);
    const w = randn(r, [6]);
    const b = randn(r, [6]);
    const mu = T.mean(x, -1, { keepDims: true });
    const xc = T.sub(x, mu);
    const variance = T.mean(T.square(xc), -1, { keepDims: true });
    const n = T.mul(xc, T.rsqrt(T.add(variance, 1e-5)));
    await expectClose(T.layerNorm(x, w, b), T.add(T.mul(n, w), b), tol);
    await expectClose(T.layerNorm(x), n, tol);
    await expectClose(T.layerNorm(x, null, b), T.add(n, b), tol);
  });
});

describe('groupNorm', () => {
  it('normalises each (sample, group) over its channels and positions, then the per-channel affine', async () => {
    const r = rng(12);
    const [N, C, H, W, G] = [2, 6, 3, 5, 3];
    const x = randn(r, [N, C, H, W], 3, 0.5);
    const w = randn(r, [C]);
    const b = randn(r, [C]);
    const xg = T.reshape(x, [N, G, (C / G) * H * W]);
    const mu = T.mean(xg, -1, { keepDims: true });
    const xc = T.sub(xg, mu);
    const variance = T.mean(T.square(xc), -1, { keepDims: true });
    const n = T.reshape(T.mul(xc, T.rsqrt(T.add(variance, 1e-6))), [N, C, H, W]);
    const naive = T.add(T.mul(n, T.reshape(w, [C, 1, 1])), T.reshape(b, [C, 1, 1]));
    await expectClose(T.groupNorm(x, G, w, b, 1e-6), naive, tol);
    await expectClose(T.groupNorm(x, G, null, null, 1e-6), n, tol);
  });
  it('with silu equals silu(groupNorm(x)) exactly', async () => {
    const r = rng(13);
    const x = randn(r, [2, 4, 3, 3], 6, 1);
    const [w, b] = [randn(r, [4]), randn(r, [4])];
    for (const [ww, bb] of [[w, b], [null, null], [w, null]] as const) {
      const fused = await T.groupNorm(x, 2, ww, bb, 1e-6, { silu: true }).data();
      expect(Array.from(fused)).toEqual(Array.from(await T.silu(T.groupNorm(x, 2, ww, bb, 1e-6)).data()));
    }
  });
  it('rejects a group count that does not divide C', () => {
    expect(() => T.groupNorm(T.zeros([1, 6, 2, 2]), 4)).toThrow(/positive divisor of the 6 channels/);
  });
});
