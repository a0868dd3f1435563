/**
 * attention on the cpu reference device, against the naive composition (matmul + softmax).
 * Tolerance: atol 1e-5, rtol 1e-5 (f32 results).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { expectClose } from '../../../tests/support/expect-close.js';
import { rng, uniformTensor } from '../../../tests/support/rng.js';

const tol = { atol: 1e-5, rtol: 1e-5 };
const F32_MIN = -3.4028234663852886e38;
const randn = (r: () => number, shape: number[], scale = 1) => uniformTensor(r, shape, scale);

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

/** softmax(q·kᵀ·scale + bias + maskBias)·v with the spec's symmetric pad mask, from existing ops. */
function naiveAttention(q: T.Tensor, k: T.Tensor, v: T.Tensor, opts: { mask?: T.Tensor; bias?: T.Tensor; scale?: number } = {}): T.Tensor {
  const scale = opts.scale ?? 1 / Math.sqrt(q.shape[3]!);
  let s = T.mul(T.matmul(q, k, { transB: true }), scale);
  if (opts.bias) s = T.add(s, opts.bias);
  if (opts.mask) {
    const m = T.cast(opts.mask, 'bool');
    const keep = T.logicalAnd(T.expandDims(T.expandDims(m, 1), -1), T.expandDims(T.expandDims(m, 1), 2)); // [B,1,T,T]
    s = T.add(s, T.where(keep, 0, F32_MIN));
  }
  return T.matmul(T.softmax(s, -1), v);
}

describe('attention', () => {
  it('equals matmul + softmax + matmul (Tq ≠ Tk, Dv ≠ D, default scale 1/sqrt(D))', async () => {
    const r = rng(20);
    const q = randn(r, [2, 3, 4, 8], 2);
    const k = randn(r, [2, 3, 6, 8], 2);
    const v = randn(r, [2, 3, 6, 5]);
    await expectClose(T.attention(q, k, v), naiveAttention(q, k, v), tol);
    await expectClose(T.attention(q, k, v, { scale: 0.7 }), naiveAttention(q, k, v, { scale: 0.7 }), tol);
  });
  it('applies the symmetric pad mask; all-pad rows attend uniformly and give no NaN', async () => {
    const r = rng(21);
    const [B, H, Tn, D] = [3, 2, 5, 4];
    const q = randn(r, [B, H, Tn, D], 3);
    const k = randn(r, [B, H, Tn, D], 3);
    const v = randn(r, [B, H, Tn, D]);
    const mask = T.tensor([[1, 1, 1, 0, 0], [0, 0, 0, 0, 0], [0, 1, 1, 1, 1]], [B, Tn], 'i32');
    const y = T.attention(q, k, v, { keyPadMask: mask });
    await expectClose(y, naiveAttention(q, k, v, { mask }), tol);
    const out = await y.data();
    expect(out.every((e) => Number.isFinite(e))).toBe(true);
    // batch 1 is all pads: every row is the mean of v over all keys
    const meanV = T.mean(T.sliceAxis(v, 0, 1, 2), 2, { keepDims: true });
    await expectClose(T.sliceAxis(y, 0, 1, 2), T.broadcastTo(meanV, [1, H, Tn, D]), tol);
    // a real row equals attention over the real keys only
    const real = T.attention(T.slice(q, [0, 0, 0, 0], [1, H, 3, D]), T.slice(k, [0, 0, 0, 0], [1, H, 3, D]), T.slice(v, [0, 0, 0, 0], [1, H, 3, D]));
    await expectClose(T.slice(y, [0, 0, 0, 0], [1, H, 3, D]), real, tol);
  });
  it('adds a broadcast bias together with the mask', async () => {
    const r = rng(22);
    const q = randn(r, [2, 2, 3, 4], 2);
    const k = randn(r, [2, 2, 3, 4], 2);
    const v = randn(r, [2, 2, 3, 4]);
    const mask = T.tensor([[1, 1, 0], [1, 1, 1]], [2, 3]);
    for (const shape of [[3, 3], [2, 1, 3, 3], [1, 2, 1, 3]]) {
      const bias = randn(r, shape, 2);
      await expectClose(T.attention(q, k, v, { keyPadMask: mask, bias }), naiveAttention(q, k, v, { mask, bias }), tol, `bias ${shape}`);
    }
  });
  it('a row whose scores are all -Infinity gives 0, not NaN', async () => {
    const q = T.ones([1, 1, 2, 2]);
    const bias = T.tensor([[-Infinity, -Infinity], [0, -Infinity]]);
    const v = T.tensor([[[[1, 2], [3, 4]]]]);
    expect(Array.from(await T.attention(q, q, v, { bias }).data())).toEqual([0, 0, 1, 2]);
  });
  it('tokenMajorValues reads v [B, T, H, Dv] and writes [B, T, H, Dv]: the head split and merge around it, bit for bit', async () => {
    const r = rng(23);
    const q = randn(r, [2, 3, 5, 4], 2);
    const k = randn(r, [2, 3, 5, 4], 2);
    const vt = randn(r, [2, 5, 3, 6]);
    const mask = T.tensor([[1, 1, 0, 1, 1], [1, 1, 1, 1, 1]], [2, 5]);
    const y = T.attention(q, k, vt, { keyPadMask: mask, tokenMajorValues: true });
    expect(y.shape).toEqual([2, 5, 3, 6]);
    const ref = T.transpose(T.attention(q, k, T.transpose(vt, [0, 2, 1, 3]), { keyPadMask: mask }), [0, 2, 1, 3]);
    expect(Array.from(await y.data())).toEqual(Array.from(await ref.data()));
    expect(() => T.attention(q, k, T.zeros([2, 3, 5, 6]), { tokenMajorValues: true })).toThrow(/v \[B, Tk, H, Dv\]/);
  });
  it('checks shapes', () => {
    expect(() => T.attention(T.zeros([1, 1, 2, 4]), T.zeros([1, 1, 3, 4]), T.zeros([1, 1, 3, 4]), { keyPadMask: T.ones([1, 3]) })).toThrow(/Tq = Tk/);
    expect(() => T.attention(T.zeros([1, 1, 2, 4]), T.zeros([1, 1, 3, 5]), T.zeros([1, 1, 3, 4]))).toThrow(/k must be/);
    expect(() => T.attention(T.zeros([1, 1, 2, 4]), T.zeros([1, 1, 2, 4]), T.zeros([1, 1, 2, 4]), { bias: T.zeros([3, 2]) })).toThrow(/not broadcast/);
  });
});
