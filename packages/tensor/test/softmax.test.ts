/**
 * softmax / logSoftmax on the cpu reference device, against compositions of existing ops and hand-worked
 * values. Tolerance: atol 1e-6 + rtol 1e-5 (f32 results of double computations).
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
    expect(() => T.softmax(T.tensor([1, 2], [2], 'i32'))).toThrow(/x must be f32, f16 or bf16/);
  });
  it('does not leak', async () => {
    const x = randn(rng(2), [2, 3]);
    const before = T.memory().tensors;
    const y = T.softmax(x, 0);
    expect(T.memory().tensors).toBe(before + 1);
    y.dispose();
  });
});
