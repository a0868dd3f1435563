/**
 * conv2d / upsampleNearest2d on the cpu reference device, against direct loops. Tolerance: atol 1e-5, rtol 1e-5.
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
