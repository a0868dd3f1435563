/**
 * The fused attentionBackward primitive: on the cpu device against the compositional gradients autograd used
 * before (matmul + softmax, [B, H, Tq, Tk] scores), and on webgpu against the cpu oracle on small shapes that cross
 * the kernels' tile sizes, with pad masks (incl. all-pad rows and an all-pad sequence), broadcast biases and rows
 * whose scores are all -Infinity. Tolerances: cpu vs composition atol/rtol 1e-5; webgpu vs cpu atol 1e-5, rtol 1e-4
 * (f32 accumulation in a different order).
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { describeOnDevices } from '../../../tests/support/devices.js';
import { expectClose } from '../../../tests/support/expect-close.js';
import { rng } from '../../../tests/support/rng.js';

const F32_MIN = -3.4028234663852886e38;

function rand(r: () => number, shape: readonly number[], scale = 1): number[] {
  return Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => scale * (2 * r() - 1));
}

interface AttnCase {
  name: string;
  B: number;
  H: number;
  Tq: number;
  Tk: number;
  D: number;
  Dv: number;
  mask?: number[];
  biasShape?: number[];
  scale?: number;
}

const CASES: AttnCase[] = [
  { name: 'plain, Tq ≠ Tk, Dv ≠ D', B: 2, H: 2, Tq: 3, Tk: 5, D: 4, Dv: 3 },
  { name: 'pad mask with a pad query row and an all-pad sequence', B: 2, H: 2, Tq: 4, Tk: 4, D: 4, Dv: 4, mask: [1, 1, 0, 1, 0, 0, 0, 0] },
  { name: 'bias [1, 1, Tq, Tk]', B: 2, H: 2, Tq: 3, Tk: 4, D: 4, Dv: 2, biasShape: [1, 1, 3, 4], scale: 0.7 },
  { name: 'mask and bias [B, 1, 1, Tk]', B: 2, H: 3, Tq: 5, Tk: 5, D: 3, Dv: 4, mask: [1, 1, 1, 0, 0, 1, 0, 1, 1, 1], biasShape: [2, 1, 1, 5] },
  { name: 'bias [B, H, Tq, Tk]', B: 1, H: 2, Tq: 3, Tk: 3, D: 2, Dv: 2, biasShape: [1, 2, 3, 3] },
];

/** Tile-crossing shapes for webgpu (tiles of 32 rows; odd lengths). */
const GPU_CASES: AttnCase[] = [
  ...CASES,
  { name: 'T 70 > two tiles, pad tail', B: 1, H: 2, Tq: 70, Tk: 70, D: 16, Dv: 8, mask: [...new Array<number>(61).fill(1), ...new Array<number>(9).fill(0)] },
  { name: 'cross attention Tq 33, Tk 65 with bias', B: 2, H: 1, Tq: 33, Tk: 65, D: 8, Dv: 12, biasShape: [2, 1, 33, 65] },
  { name: 'D 64 (small key tiles), mask + bias', B: 1, H: 1, Tq: 40, Tk: 40, D: 64, Dv: 64, mask: [...new Array<number>(35).fill(1), 0, 0, 1, 0, 0], biasShape: [1, 1, 1, 40] },
];

function makeInputs(c: AttnCase, device: T.DeviceName, seed = 3) {
  const r = rng(seed);
  const q = T.tensor(rand(r, [c.B, c.H, c.Tq, c.D], 2), [c.B, c.H, c.Tq, c.D], 'f32', { device });
  const k = T.tensor(rand(r, [c.B, c.H, c.Tk, c.D], 2), [c.B, c.H, c.Tk, c.D], 'f32', { device });
  const v = T.tensor(rand(r, [c.B, c.H, c.Tk, c.Dv]), [c.B, c.H, c.Tk, c.Dv], 'f32', { device });
  const gradOut = T.tensor(rand(r, [c.B, c.H, c.Tq, c.Dv]), [c.B, c.H, c.Tq, c.Dv], 'f32', { device });
  const mask = c.mask ? T.tensor(c.mask, [c.B, c.Tk], 'bool', { device }) : undefined;
  const bias = c.biasShape ? T.tensor(rand(r, c.biasShape, 1.5), c.biasShape, 'f32', { device }) : undefined;
  const scale = c.scale ?? 1 / Math.sqrt(c.D);
  const out = T.attention(q, k, v, { keyPadMask: mask, bias, scale });
  return { q, k, v, mask, bias, out, gradOut, scale };
}

/** The compositional backward autograd used before the fused primitive (it materialises [B, H, Tq, Tk]). */
function composedBackward(x: ReturnType<typeof makeInputs>) {
  const { q, k, v, mask, bias, gradOut: ct, scale } = x;
  let s = T.mul(T.matmul(q, k, { transB: true }), scale);
  let pair: T.Tensor | undefined;
  if (mask) {
    const [b, t] = mask.shape as [number, number];
    pair = T.logicalAnd(T.reshape(mask, [b, 1, t, 1]), T.reshape(mask, [b, 1, 1, t]));
    s = T.where(pair, s, T.fullLike(s, F32_MIN));
  }
  if (bias) s = T.add(s, bias);
  const p = T.softmax(s, -1);
  const dv = T.matmul(p, ct, { transA: true });
  const dp = T.matmul(ct, v, { transB: true });
  let ds = T.mul(p, T.sub(dp, T.sum(T.mul(dp, p), -1, { keepDims: true })));
  if (pair) ds = T.where(pair, ds, 0);
  return { dq: T.mul(T.matmul(ds, k), scale), dk: T.mul(T.matmul(ds, q, { transA: true }), scale), dv, ds };
}

describe('attentionBackward on the cpu device', () => {
  for (const c of CASES) {
    it(`equals the compositional gradients: ${c.name}`, async () => {
      await T.scope(async () => {
        const x = makeInputs(c, 'cpu');
        const g = T.attentionBackward(x);
        const ref = composedBackward(x);
        const tol = { atol: 1e-5, rtol: 1e-5 };
        await expectClose(g.dq, ref.dq, tol, 'dq');
        await expectClose(g.dk, ref.dk, tol, 'dk');
        await expectClose(g.dv, ref.dv, tol, 'dv');
        if (c.biasShape) await expectClose(g.dscores!, ref.ds, tol, 'dscores');
        else expect(g.dscores).toBeUndefined();
      });
    });
  }

  it('a pad query row gets no gradient into q, k or the scores, but feeds v', async () => {
    await T.scope(async () => {
      const c = CASES[1]!;
      const x = makeInputs(c, 'cpu');
      const { dq, dk, dv } = T.attentionBackward(x);
      const [gq, gk, gv] = await Promise.all([dq.data(), dk.data(), dv.data()]);
      const D = c.D;
      // batch 1 is all pad: every q and k gradient is exactly 0, v still gets the uniform average of gradOut
      for (let h = 0; h < c.H; h++)
        for (let i = 0; i < c.Tq; i++)
          for (let d = 0; d < D; d++) {
            expect(gq[((c.H + h) * c.Tq + i) * D + d]).toBe(0);
            expect(gk[((c.H + h) * c.Tk + i) * D + d]).toBe(0);
          }
      // batch 0, query 2 is pad
      for (let h = 0; h < c.H; h++) for (let d = 0; d < D; d++) expect(gq[(h * c.Tq + 2) * D + d]).toBe(0);
      expect(Array.from(gv.slice(c.H * c.Tk * c.Dv)).some((g) => g !== 0)).toBe(true);
    });
  });

  it('a row whose scores are all -Infinity (through the bias) gives no gradient', async () => {
    await T.scope(async () => {
      const r = rng(9);
      const q = T.tensor(rand(r, [1, 1, 2, 3]), [1, 1, 2, 3]);
      const k = T.tensor(rand(r, [1, 1, 3, 3]), [1, 1, 3, 3]);
      const v = T.tensor(rand(r, [1, 1, 3, 2]), [1, 1, 3, 2]);
      const bias = T.tensor([0, 0, 0, -Infinity, -Infinity, -Infinity], [1, 1, 2, 3]);
      const gradOut = T.tensor(rand(r, [1, 1, 2, 2]), [1, 1, 2, 2]);
      const out = T.attention(q, k, v, { bias, scale: 0.5 });
      const g = T.attentionBackward({ q, k, v, bias, out, gradOut, scale: 0.5 });
      const dq = await g.dq.data();
      expect(Array.from(dq.slice(3))).toEqual([0, 0, 0]);
      expect(Array.from(await g.dscores!.data()).slice(3)).toEqual([0, 0, 0]);
      expect(Array.from(await g.dv.data()).every(Number.isFinite)).toBe(true);
    });
  });

  it('rejects mismatched shapes with a TensorError', () => {
    T.scopeSync(() => {
      const q = T.zeros([1, 1, 2, 3]);
      const k = T.zeros([1, 1, 2, 3]);
      const v = T.zeros([1, 1, 2, 4]);
      expect(() => T.attentionBackward({ q, k, v, out: T.zeros([1, 1, 2, 3]), gradOut: T.zeros([1, 1, 2, 3]), scale: 1 })).toThrow(T.TensorError);
      expect(() => T.crossEntropyBackward(T.zeros([2, 3]), T.zeros([3], 'i32'), T.zeros([2]), -100)).toThrow(T.TensorError);
    });
  });
});

describeOnDevices(['webgpu'], 'attentionBackward on webgpu matches the cpu oracle', () => {
  for (const c of GPU_CASES) {
    it(`attentionBackward: ${c.name}`, async () => {
      const run = (device: T.DeviceName) =>
        T.scope(async () => {
          const g = T.attentionBackward(makeInputs(c, device));
          return Promise.all([g.dq, g.dk, g.dv, ...(g.dscores ? [g.dscores] : [])].map(async (t) => Array.from(await t.data())));
        });
      const [cpu, gpu] = [await run('cpu'), await run('webgpu')];
      expect(gpu.length).toBe(cpu.length);
      cpu.forEach((want, o) => {
        want.forEach((w, i) => {
          const got = gpu[o]![i]!;
          if (!(Math.abs(got - w) <= 1e-5 + 1e-4 * Math.abs(w))) expect.fail(`${['dq', 'dk', 'dv', 'dscores'][o]}[${i}]: webgpu ${got}, cpu ${w}`);
        });
      });
    });
  }

  it('attentionBackward: a row whose scores are all -Infinity gives 0, not NaN', async () => {
    const run = (device: T.DeviceName) =>
      T.scope(async () => {
        const r = rng(9);
        const on = (d: number[], s: number[]) => T.tensor(d, s, 'f32', { device });
        const q = on(rand(r, [1, 1, 2, 3]), [1, 1, 2, 3]);
        const k = on(rand(r, [1, 1, 3, 3]), [1, 1, 3, 3]);
        const v = on(rand(r, [1, 1, 3, 2]), [1, 1, 3, 2]);
        const bias = on([0, 1, 0, -Infinity, -Infinity, -Infinity], [1, 1, 2, 3]);
        const gradOut = on(rand(r, [1, 1, 2, 2]), [1, 1, 2, 2]);
        const out = T.attention(q, k, v, { bias, scale: 0.5 });
        const g = T.attentionBackward({ q, k, v, bias, out, gradOut, scale: 0.5 });
        return Promise.all([g.dq, g.dk, g.dv, g.dscores!].map(async (t) => Array.from(await t.data())));
      });
    const [cpu, gpu] = [await run('cpu'), await run('webgpu')];
    cpu.forEach((want, o) => want.forEach((w, i) => expect(Math.abs(gpu[o]![i]! - w)).toBeLessThan(1e-5)));
  });
});
