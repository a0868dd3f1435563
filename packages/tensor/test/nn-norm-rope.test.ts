/**
 * rmsNorm / layerNorm / groupNorm / rope on the cpu reference device, against explicit formulas written with
 * existing ops (or in plain JS) and hand-worked values. Tolerance: atol 1e-5, rtol 1e-5 (f32 results).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { expectClose, rng } from './helpers.js';

const tol = { atol: 1e-5, rtol: 1e-5 };
const randn = (r: () => number, shape: number[], scale = 2, shift = 0) =>
  T.tensor(Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => shift + scale * (2 * r() - 1)), shape);

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
  it('rejects a group count that does not divide C', () => {
    expect(() => T.groupNorm(T.zeros([1, 6, 2, 2]), 4)).toThrow(/positive divisor of the 6 channels/);
  });
});

describe('rope', () => {
  it('hand-worked: D = 4, theta 10000 -> inverse frequencies [1, 0.01]', async () => {
    expect(Array.from(T.ropeInvFreq(10000, 4))).toEqual([1, Math.fround(0.01)]);
    const x = T.tensor([1, 0, 0, 0, 0, 1, 0, 0], [1, 1, 2, 4]);
    const y = await T.rope(x, T.tensor([0, 1], [2], 'i32'), 10000).data();
    const c = Math.fround(Math.cos(Math.fround(0.01)));
    const s = Math.fround(Math.sin(Math.fround(0.01)));
    // position 0 is the identity; at position 1, e_1 rotates with angle 0.01 into e_1·cos + e_3·sin
    expectArray(Array.from(y), [1, 0, 0, 0, 0, c, 0, s]);
  });
  it('equals x·cos θ + rotate_half(x)·sin θ built from ops (spec model.md §3), positions [T] and [B, T]', async () => {
    const r = rng(13);
    const [B, H, Tn, D] = [2, 3, 5, 8];
    const x = randn(r, [B, H, Tn, D]);
    const theta = 500000;
    const inv = T.tensor(T.ropeInvFreq(theta, D), [D / 2]);
    const check = async (pos: number[][]) => {
      const p = T.tensor(pos.flat(), [B, Tn], 'f32');
      const freqs = T.mul(T.expandDims(p, -1), inv); // [B, T, D/2]
      const ang = T.concat([freqs, freqs], -1); // [B, T, D]
      const cos = T.expandDims(T.cos(ang), 1);
      const sin = T.expandDims(T.sin(ang), 1);
      const rot = T.concat([T.neg(T.sliceAxis(x, -1, D / 2)), T.sliceAxis(x, -1, 0, D / 2)], -1);
      return T.add(T.mul(x, cos), T.mul(rot, sin));
    };
    const shared = Array.from({ length: Tn }, (_, t) => t);
    await expectClose(T.rope(x, T.tensor(shared, [Tn], 'i32'), theta), await check([shared, shared]), tol);
    const perBatch = [[3, 4, 5, 6, 7], [0, 0, 1, 2, 4095]];
    await expectClose(T.rope(x, T.tensor(perBatch.flat(), [B, Tn], 'i32'), theta), await check(perBatch), { atol: 2e-5, rtol: 1e-5 });
  });
  it('checks shapes', () => {
    expect(() => T.rope(T.zeros([1, 1, 2, 3]), T.zeros([2], 'i32'))).toThrow(/must be even/);
    expect(() => T.rope(T.zeros([1, 1, 2, 4]), T.zeros([3], 'i32'))).toThrow(/positions must be/);
  });
});

function expectArray(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(a, `element ${i}`).toBeCloseTo(expected[i]!, 6));
}
