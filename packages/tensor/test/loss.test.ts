/**
 * crossEntropy on the cpu reference device, against logSoftmax + gather and hand-worked values.
 * Tolerance: atol 1e-6 + rtol 1e-5.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { expectClose } from '../../../tests/support/expect-close.js';
import { rng, uniformTensor } from '../../../tests/support/rng.js';

const tol = { atol: 1e-6, rtol: 1e-5 };
const randn = (r: () => number, shape: number[], scale = 3) => uniformTensor(r, shape, scale);

beforeAll(async () => {
  await T.init({ device: 'cpu' });
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
