/**
 * matmul of a batched x [..., M, K] by one matrix folds the batch into rows: one [batch·M, K] product (and one
 * deep product for the weight's gradient) instead of a batch of small products summed afterwards. Same values,
 * gradients checked against central differences.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import { valueAndGrad } from '../src/index.js';
import { checkGradient } from '../../../tests/support/gradcheck.js';

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233));

/** Shapes of the matmul primitives a function runs. */
function matmulShapes(f: () => unknown): string[] {
  const seen: string[] = [];
  const off = T.onPrimitive((e) => {
    if (e.prim === 'matmul') seen.push(e.inputs.map((t) => t.shape.join('x')).join(' * '));
  });
  try {
    f();
  } finally {
    off();
  }
  return seen;
}

async function matmulShapesAsync(f: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const off = T.onPrimitive((e) => {
    if (e.prim === 'matmul') seen.push(e.inputs.map((t) => t.shape.join('x')).join(' * '));
  });
  try {
    await f();
  } finally {
    off();
  }
  return seen;
}

describe('matmul batch folding', () => {
  it('x [B, T, K] · Wᵀ runs one 2-D product and equals the per-batch products', async () => {
    const x = T.tensor(values(2 * 3 * 4, 1), [2, 3, 4]);
    const w = T.tensor(values(5 * 4, 2), [5, 4]);
    let y!: T.Tensor;
    expect(matmulShapes(() => (y = T.matmul(x, w, { transB: true })))).toEqual(['6x4 * 5x4']);
    expect(y.shape).toEqual([2, 3, 5]);
    for (let b = 0; b < 2; b++) {
      const xb = T.reshape(T.slice(x, [b, 0, 0], [1, 3, 4]), [3, 4]);
      const want = await T.matmul(xb, w, { transB: true }).data();
      const got = await T.reshape(T.slice(y, [b, 0, 0], [1, 3, 5]), [3, 5]).data();
      expect(Array.from(got)).toEqual(Array.from(want));
    }
    // A weight with leading 1s folds too; a transposed x or a batched weight does not.
    expect(matmulShapes(() => T.matmul(x, T.reshape(w, [1, 4, 5])))).toEqual(['6x4 * 4x5']);
    const w3 = T.tensor(values(5 * 3, 5), [5, 3]);
    expect(matmulShapes(() => T.matmul(x, w3, { transA: true, transB: true }))).toEqual(['2x3x4 * 1x5x3']);
    expect(matmulShapes(() => T.matmul(x, T.tensor(values(2 * 4 * 5, 6), [2, 4, 5])))).toEqual(['2x3x4 * 2x4x5']);
  });

  it("the weight's gradient is one deep product, not a batch of partial ones", async () => {
    const x = T.tensor(values(4 * 3 * 4, 3), [4, 3, 4]);
    const w = T.tensor(values(5 * 4, 4), [5, 4]);
    const shapes = await matmulShapesAsync(() => valueAndGrad((p: T.Tensor) => T.sum(T.matmul(x, p, { transB: true })))(w));
    // forward, then dx = ct·W and dW = ctᵀ·x with the batch folded into rows
    expect(shapes).toEqual(['12x4 * 5x4', '12x5 * 5x4', '12x5 * 12x4']);
  });

  it('gradients of the folded products match central differences', async () => {
    await checkGradient((x, w) => T.matmul(x, w, { transB: true }), [{ shape: [2, 3, 4] }, { shape: [5, 4] }], { label: 'fold transB' });
    await checkGradient((x, w) => T.matmul(x, w), [{ shape: [2, 2, 3, 4] }, { shape: [4, 5] }], { label: 'fold plain, rank 4' });
    await checkGradient((x, w) => T.matmul(x, w), [{ shape: [2, 3, 4] }, { shape: [1, 4, 5] }], { label: 'fold weight with a leading 1' });
  });
});
