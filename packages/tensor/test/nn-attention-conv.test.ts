/**
 * attention / conv2d / upsampleNearest2d / f16-weight matmul on the cpu reference device, against naive
 * compositions (matmul + softmax) and direct loops. Tolerance: atol 1e-5, rtol 1e-5 (f32 results).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { expectClose, rng } from './helpers.js';

const tol = { atol: 1e-5, rtol: 1e-5 };
const F32_MIN = -3.4028234663852886e38;
const randn = (r: () => number, shape: number[], scale = 1) => T.tensor(Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => scale * (2 * r() - 1)), shape);

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
  it('checks shapes', () => {
    expect(() => T.attention(T.zeros([1, 1, 2, 4]), T.zeros([1, 1, 3, 4]), T.zeros([1, 1, 3, 4]), { keyPadMask: T.ones([1, 3]) })).toThrow(/Tq = Tk/);
    expect(() => T.attention(T.zeros([1, 1, 2, 4]), T.zeros([1, 1, 3, 5]), T.zeros([1, 1, 3, 4]))).toThrow(/k must be/);
    expect(() => T.attention(T.zeros([1, 1, 2, 4]), T.zeros([1, 1, 2, 4]), T.zeros([1, 1, 2, 4]), { bias: T.zeros([3, 2]) })).toThrow(/not broadcast/);
  });
});

/** The textbook loop over a zero-padded copy of x. */
async function directConv(x: T.Tensor, w: T.Tensor, b: T.Tensor | null, stride: [number, number], pad: [number, number, number, number], dil: [number, number] = [1, 1]) {
  const [N, C, H, W] = x.shape as number[] as [number, number, number, number];
  const [O, , KH, KW] = w.shape as number[] as [number, number, number, number];
  const xv = await x.data();
  const wv = await w.data();
  const bv = b ? await b.data() : null;
  const Hp = H + pad[0] + pad[1];
  const Wp = W + pad[2] + pad[3];
  const padded = (n: number, c: number, i: number, j: number) => {
    const yy = i - pad[0];
    const xx = j - pad[2];
    return yy >= 0 && yy < H && xx >= 0 && xx < W ? xv[((n * C + c) * H + yy) * W + xx]! : 0;
  };
  const Ho = Math.floor((Hp - dil[0] * (KH - 1) - 1) / stride[0]) + 1;
  const Wo = Math.floor((Wp - dil[1] * (KW - 1) - 1) / stride[1]) + 1;
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < Ho; i++)
        for (let j = 0; j < Wo; j++) {
          let acc = bv ? bv[o]! : 0;
          for (let c = 0; c < C; c++)
            for (let u = 0; u < KH; u++)
              for (let v = 0; v < KW; v++) acc += wv[((o * C + c) * KH + u) * KW + v]! * padded(n, c, i * stride[0] + u * dil[0], j * stride[1] + v * dil[1]);
          out.push(acc);
        }
  return { out, shape: [N, O, Ho, Wo] };
}

describe('conv2d', () => {
  it('hand-worked 1-channel 3x3 with padding 1', async () => {
    const x = T.tensor([[[[1, 2], [3, 4]]]]);
    const w = T.ones([1, 1, 3, 3]);
    expect(await T.conv2d(x, w, T.tensor([0.5]), { padding: 1 }).array()).toEqual([[[[10.5, 10.5], [10.5, 10.5]]]]);
  });
  const cases: { name: string; x: number[]; w: number[]; stride: [number, number]; pad: [number, number, number, number]; dil?: [number, number]; bias: boolean }[] = [
    { name: '3x3 pad 1', x: [2, 3, 6, 5], w: [4, 3, 3, 3], stride: [1, 1], pad: [1, 1, 1, 1], bias: true },
    { name: '1x1', x: [1, 5, 3, 4], w: [2, 5, 1, 1], stride: [1, 1], pad: [0, 0, 0, 0], bias: true },
    { name: 'MAGVIT downsample: stride 2, pad [0,1,0,1]', x: [2, 3, 7, 6], w: [3, 3, 3, 3], stride: [2, 2], pad: [0, 1, 0, 1], bias: true },
    { name: 'rectangular kernel, mixed strides, no bias', x: [1, 2, 5, 7], w: [3, 2, 2, 3], stride: [2, 1], pad: [1, 0, 2, 1], bias: false },
    { name: 'dilation 2', x: [1, 2, 7, 7], w: [2, 2, 3, 3], stride: [1, 1], pad: [2, 2, 2, 2], dil: [2, 2], bias: true },
  ];
  for (const c of cases) {
    it(`matches a direct loop: ${c.name}`, async () => {
      const r = rng(30);
      const x = randn(r, c.x);
      const w = randn(r, c.w);
      const b = c.bias ? randn(r, [c.w[0]!]) : null;
      const y = T.conv2d(x, w, b, { stride: c.stride, padding: c.pad, dilation: c.dil });
      const { out, shape } = await directConv(x, w, b, c.stride, c.pad, c.dil);
      expect(y.shape).toEqual(shape);
      await expectClose(y, out, tol);
    });
  }
  it('checks shapes and options', () => {
    expect(() => T.conv2d(T.zeros([1, 3, 4, 4]), T.zeros([2, 2, 3, 3]))).toThrow(/input channels/);
    expect(() => T.conv2d(T.zeros([1, 1, 2, 2]), T.zeros([1, 1, 3, 3]))).toThrow(/larger than the padded input/);
    expect(() => T.conv2d(T.zeros([1, 1, 4, 4]), T.zeros([1, 1, 3, 3]), null, { padding: [1, 2, 3] as never })).toThrow(/padding must be/);
  });
});

describe('upsampleNearest2d', () => {
  it('repeats every pixel into a 2x2 block', async () => {
    const x = T.tensor([[[[1, 2], [3, 4]]]]);
    expect(await T.upsampleNearest2d(x, 2).array()).toEqual([[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
  });
});

describe('matmul with an f16 weight', () => {
  it('reads b as f16 without converting it first and equals the f32 product of the rounded weight', async () => {
    const r = rng(40);
    const x = randn(r, [3, 5, 8]);
    const w16 = T.cast(randn(r, [6, 8]), 'f16');
    const seen: string[] = [];
    const off = T.onPrimitive((e) => seen.push(`${e.prim}:${e.inputs.map((t) => t.dtype).join(',')}`));
    const y = T.matmul(x, w16, { transB: true });
    off();
    expect(seen).toContain('matmul:f32,f16');
    expect(seen.some((s) => s.startsWith('cast'))).toBe(false);
    expect(y.dtype).toBe('f32');
    await expectClose(y, T.matmul(x, T.cast(w16, 'f32'), { transB: true }), tol);
  });
});
