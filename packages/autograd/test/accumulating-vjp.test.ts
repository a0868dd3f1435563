/**
 * A rule's vjpAccumulating (rmsNorm's, matmul's, groupNorm's): the gradient a tensor gathered from its other uses is
 * added in the rule's own kernel, so the backward of x + f(rmsNorm(x)), x + f(groupNorm(x)), or of several
 * projections of one x, adds nothing of x's shape, and the gradients equal those of the same function written so
 * that the fused path is not taken.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import { grad } from '../src/index.js';

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233));

describe('vjpAccumulating', () => {
  it('the residual and the rmsNorm gradient of x meet in rmsNormBackward, with the same result', async () => {
    const x = T.tensor(values(24, 1), [2, 3, 4]);
    const w = T.tensor(values(4, 2), [4]);
    const u = T.tensor(values(24, 3), [2, 3, 4]);
    type P = { x: T.Tensor; w: T.Tensor };
    const residual = ({ x: xx, w: ww }: P) => T.sum(T.mul(T.add(xx, T.rmsNorm(xx, ww, 1e-5)), u));
    // The residual through a copy made before the norm: x's residual gradient arrives after rmsNorm's backward ran.
    const residualFirst = ({ x: xx, w: ww }: P) => {
      const kept = T.mul(xx, 1);
      return T.sum(T.mul(T.add(kept, T.rmsNorm(xx, ww, 1e-5)), u));
    };
    let adds = 0;
    const off = T.onPrimitive((e) => void (e.prim === 'binary' && (e.params as { op: string }).op === 'add' && e.outputs[0]!.shape.join() === '2,3,4' && adds++));
    const fused = await grad(residual)({ x, w });
    off();
    // forward: one add (the residual); backward: none (the unfused path adds x's two gradients)
    expect(adds).toBe(1);
    const plain = await grad(residualFirst)({ x, w });
    for (const k of ['x', 'w'] as const) {
      const [a, b] = [await fused[k].data(), await plain[k].data()];
      for (let j = 0; j < b.length; j++) expect(Math.abs(a[j]! - b[j]!)).toBeLessThanOrEqual(1e-6);
    }
  });

  it('the projections of one input (q, k, v of a linear layer) gather their input gradients in the products', async () => {
    const x = T.tensor(values(2 * 5 * 8, 4), [2, 5, 8]);
    const ws = [5, 6, 7].map((seed) => T.tensor(values(64, seed), [8, 8]));
    type P = { x: T.Tensor; w: T.Tensor[] };
    const f = ({ x: xx, w }: P) => T.sum(T.mul(T.mul(T.matmul(xx, w[0]!, { transB: true }), T.matmul(xx, w[1]!, { transB: true })), T.matmul(xx, w[2]!, { transB: true })));
    // the same products on copies of x: nothing to gather, x's three gradients are added after
    const copies = ({ x: xx, w }: P) => {
      const [a, b, c] = [T.mul(xx, 1), T.mul(xx, 1), T.mul(xx, 1)];
      return T.sum(T.mul(T.mul(T.matmul(a, w[0]!, { transB: true }), T.matmul(b, w[1]!, { transB: true })), T.matmul(c, w[2]!, { transB: true })));
    };
    let adds = 0;
    const off = T.onPrimitive((e) => void (e.prim === 'binary' && (e.params as { op: string }).op === 'add' && e.outputs[0]!.size === x.size && adds++));
    const fused = await grad(f)({ x, w: ws });
    off();
    expect(adds).toBe(0);
    const plain = await grad(copies)({ x, w: ws });
    const [a, b] = [await fused.x.data(), await plain.x.data()];
    for (let j = 0; j < b.length; j++) expect(Math.abs(a[j]! - b[j]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(b[j]!)));
  });

  it('a resnet block\'s residual and its groupNorm gradient of x meet in groupNormBackward, with the same result', async () => {
    const x = T.tensor(values(2 * 4 * 3 * 3, 5), [2, 4, 3, 3]);
    const w = T.tensor(values(4, 6), [4]);
    const b = T.tensor(values(4, 7), [4]);
    const u = T.tensor(values(2 * 4 * 3 * 3, 8), [2, 4, 3, 3]);
    type P = { x: T.Tensor; w: T.Tensor; b: T.Tensor };
    const residual = ({ x: xx, w: ww, b: bb }: P) => T.sum(T.mul(T.add(xx, T.silu(T.groupNorm(xx, 2, ww, bb, 1e-6))), u));
    const residualFirst = ({ x: xx, w: ww, b: bb }: P) => T.sum(T.mul(T.add(T.mul(xx, 1), T.silu(T.groupNorm(xx, 2, ww, bb, 1e-6))), u));
    let adds = 0;
    const off = T.onPrimitive((e) => void (e.prim === 'binary' && (e.params as { op: string }).op === 'add' && e.outputs[0]!.size === x.size && adds++));
    const fused = await grad(residual)({ x, w, b });
    off();
    // forward: one add (the residual); backward: none
    expect(adds).toBe(1);
    const plain = await grad(residualFirst)({ x, w, b });
    for (const k of ['x', 'w', 'b'] as const) {
      const [a, e] = [await fused[k].data(), await plain[k].data()];
      for (let j = 0; j < e.length; j++) expect(Math.abs(a[j]! - e[j]!)).toBeLessThanOrEqual(1e-6);
    }
  });
});
