/**
 * Gradients of differentiated leaves that need a sum over leading axes (rmsNorm weights' per-row products, a bias
 * broadcast over rows) are summed together at the end of the backward pass, in one packFlat with rows, instead of
 * one reduction each; a leaf that gathers a second gradient is summed when it arrives. Values as reductions give.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import { grad } from '../src/index.js';

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233));

/** Σ over the leading axes of g [..., D] -> [D], in f64. */
function columnSums(g: Float32Array, d: number): number[] {
  const out = new Array<number>(d).fill(0);
  g.forEach((v, i) => (out[i % d]! += v));
  return out;
}

async function expectClose(a: T.Tensor, expected: readonly number[], tol = 1e-5): Promise<void> {
  const d = await a.data();
  expect(d.length).toBe(expected.length);
  expected.forEach((e, i) => expect(Math.abs(d[i]! - e)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e))));
}

describe('leaf row sums', () => {
  const [B, N, D] = [2, 3, 4];
  const x = T.tensor(values(B * N * D, 1), [B, N, D]);
  const u = T.tensor(values(B * N * D, 2), [B, N, D]);
  type P = { w1: T.Tensor; w2: T.Tensor; w3: T.Tensor };
  const p: P = { w1: T.tensor(values(D, 3), [D]), w2: T.tensor(values(D, 4), [D]), w3: T.tensor(values(D, 5), [D]) };
  const norm = (h: T.Tensor, w: T.Tensor) => T.rmsNorm(h, w, 1e-5);
  // three rmsNorm weights: three leaves whose gradients are sums of per-row products
  const f = ({ w1, w2, w3 }: P) => T.sum(T.mul(norm(norm(norm(x, w1), w2), w3), u));
  /** w's gradient as the rule's rows summed on the host: the rows of rmsNormBackward at (h, w, ct). */
  const expected = async (h: T.Tensor, w: T.Tensor, ct: T.Tensor) => columnSums((await T.rmsNormBackward(h, w, ct, 1e-5).dwRows!.data()) as Float32Array, D);

  it('one packFlat with rows and no reduction for three leaves, with the values of explicit sums', async () => {
    const seen: string[] = [];
    const off = T.onPrimitive((e) => seen.push(e.prim === 'packFlat' ? `packFlat:${(e.params as { rows?: number[] }).rows?.join(',') ?? ''}` : e.prim));
    const g = await grad(f)(p);
    off();
    expect(seen.filter((s) => s.startsWith('packFlat'))).toEqual([`packFlat:${B * N},${B * N},${B * N}`]);
    expect(seen.filter((s) => s === 'reduce').length).toBe(1); // the loss's sum (4 when each weight had its own)
    const n2 = norm(norm(x, p.w1), p.w2);
    await expectClose(g.w3, await expected(n2, p.w3, u));
    for (const k of ['w1', 'w2', 'w3'] as const) expect(g[k].shape).toEqual([D]);
  });

  it('a leaf that also gathers a gradient of its own shape gets both (summed when the second arrives)', async () => {
    // w3 is also multiplied as a whole: its gradient gains 3
    const twice = (q: P) => T.add(f(q), T.sum(T.mul(q.w3, 3)));
    const g = await grad(twice)(p);
    const g1 = await grad(f)(p);
    await expectClose(g.w3, Array.from(await g1.w3.data()).map((v) => v + 3));
    for (const k of ['w1', 'w2'] as const) await expectClose(g[k], Array.from(await g1[k].data()));
  });

  it('a single such leaf is reduced as before', async () => {
    const seen: string[] = [];
    const off = T.onPrimitive((e) => seen.push(e.prim));
    const g = await grad((w: T.Tensor) => T.sum(T.mul(norm(x, w), u)))(p.w1);
    off();
    expect(seen.includes('packFlat')).toBe(false);
    await expectClose(g, await expected(x, p.w1, u));
  });
});
