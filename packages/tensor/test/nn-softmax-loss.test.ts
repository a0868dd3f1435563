/**
 * softmax / logSoftmax / crossEntropy / embedding on the cpu reference device, against compositions of
 * existing ops and hand-worked values. Tolerance: atol 1e-6 + rtol 1e-5 (f32 results of double computations).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { expectClose, rng } from './helpers.js';

const tol = { atol: 1e-6, rtol: 1e-5 };
const randn = (r: () => number, shape: number[], scale = 3) => T.tensor(Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => scale * (2 * r() - 1)), shape);

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

describe('softmax', () => {
  it('matches hand-worked values and is shift invariant', async () => {
    const x = T.tensor([[0, Math.log(3)], [1000, 1000]]);
    await expectClose(T.softmax(x), [0.25, 0.75, 0.5, 0.5], tol);
    await expectClose(T.logSoftmax(x), [Math.log(0.25), Math.log(0.75), Math.log(0.5), Math.log(0.5)], tol);
  });
  it('equals exp(x) / sum(exp(x)) on every axis, rows summing to 1', async () => {
    const r = rng(1);
    const x = randn(r, [3, 5, 4]);
    for (const axis of [0, 1, -1]) {
      const e = T.exp(x);
      const naive = T.div(e, T.sum(e, axis, { keepDims: true }));
      await expectClose(T.softmax(x, axis), naive, tol, `axis ${axis}`);
      await expectClose(T.sum(T.softmax(x, axis), axis), T.ones(naive.shape.filter((_, i) => i !== (axis + 3) % 3)), tol);
      await expectClose(T.logSoftmax(x, axis), T.log(naive), { atol: 1e-5, rtol: 1e-5 }, `log axis ${axis}`);
    }
  });
  it('keeps f16 in f16 and rejects integers', async () => {
    const x = T.tensor([1, 2, 3], [3], 'f16');
    expect(T.softmax(x).dtype).toBe('f16');
    expect(() => T.softmax(T.tensor([1, 2], [2], 'i32'))).toThrow(/x must be f32 or f16/);
  });
  it('does not leak', async () => {
    const x = randn(rng(2), [2, 3]);
    const before = T.memory().tensors;
    const y = T.softmax(x, 0);
    expect(T.memory().tensors).toBe(before + 1);
    y.dispose();
  });
});

describe('crossEntropy', () => {
  it('equals -logSoftmax gathered at the target, 0 where ignored, times per-token weights', async () => {
    const r = rng(3);
    const logits = randn(r, [2, 3, 7]);
    const targets = T.tensor([[0, 6, -100], [3, 3, 1]], [2, 3], 'i32');
    const safe = T.maximum(targets, 0);
    const picked = T.squeeze(T.takeAlongAxis(T.logSoftmax(logits), T.expandDims(safe, -1), -1), -1);
    const naive = T.where(T.eq(targets, -100), 0, T.neg(picked));
    await expectClose(T.crossEntropy(logits, targets), naive, tol);
    const w = T.tensor([[2], [0.5]]);
    await expectClose(T.crossEntropy(logits, targets, { weights: w }), T.mul(naive, w), tol);
  });
  it('uses a custom ignoreIndex and gives NaN for other out-of-range targets', async () => {
    const logits = T.tensor([[1, 2, 3], [1, 2, 3], [0, 0, 0]]);
    const loss = await T.crossEntropy(logits, T.tensor([7, 5, 1], [3], 'i32'), { ignoreIndex: 7 }).data();
    expect(loss[0]).toBe(0);
    expect(Number.isNaN(loss[1]!)).toBe(true);
    expect(loss[2]).toBeCloseTo(Math.log(3), 6);
  });
  it('checks shapes', () => {
    expect(() => T.crossEntropy(T.zeros([2, 3]), T.zeros([3], 'i32'))).toThrow(/without the class axis/);
    expect(() => T.crossEntropy(T.zeros([2, 3]), T.zeros([2]))).toThrow(/must be i32/);
  });
});

describe('embedding', () => {
  it('picks rows of the table', async () => {
    const table = T.tensor([[0, 1], [10, 11], [20, 21]]);
    const y = T.embedding(table, T.tensor([[2, 0], [1, 1]], [2, 2], 'i32'));
    expect(y.shape).toEqual([2, 2, 2]);
    expect(await y.array()).toEqual([[[20, 21], [0, 1]], [[10, 11], [10, 11]]]);
    expect(() => T.embedding(T.zeros([3]), T.zeros([1], 'i32'))).toThrow(/table must be/);
  });
});

describe('activations', () => {
  it('silu and both gelu forms match their formulas', async () => {
    const xs = [-3, -1, -0.5, 0, 0.25, 1, 2.5];
    const x = T.tensor(xs);
    await expectClose(T.silu(x), xs.map((v) => v / (1 + Math.exp(-v))), tol);
    const c = Math.sqrt(2 / Math.PI);
    await expectClose(T.gelu(x, 'tanh'), xs.map((v) => 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v ** 3)))), tol);
    // erf form against hand values: gelu(1) = 0.8413447460685429, gelu(-1) = -0.15865525393145707
    const g = await T.gelu(T.tensor([1, -1, 0])).data();
    expect(g[0]).toBeCloseTo(0.8413447460685429, 6);
    expect(g[1]).toBeCloseTo(-0.15865525393145707, 6);
    expect(g[2]).toBe(0);
  });
});
