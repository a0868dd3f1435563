/**
 * The neural-network ops on webgpu against the cpu oracle, through the public frontend, on small seeded
 * random shapes (odd sizes, broadcast biases, pad masks with all-pad rows). Skipped when no adapter exists
 * or MMADA_DEVICE=cpu.
 *
 * Tolerances (f32): softmax / logSoftmax / norms / crossEntropy atol 1e-5 + rtol 1e-4 (reduction order and
 * GPU exp/log differ from the double-precision oracle); rope atol 2e-5 (angle reduction + GPU sin/cos);
 * attention / conv2d / matmul atol 1e-4 + rtol 1e-4 (long dot products in a different order).
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import type { DType, Tensor } from '../src/index.js';
import type { WebGPUBackend } from '../src/webgpu/backend.js';
import { describeOnDevices } from '../../../tests/support/devices.js';
import { expectClose } from '../../../tests/support/expect-close.js';
import { rng } from '../../../tests/support/rng.js';

await T.init({ device: 'cpu' });

const rowTol = { atol: 1e-5, rtol: 1e-4 };
const dotTol = { atol: 1e-4, rtol: 1e-4 };

/** The same values on both devices. */
function pair(values: number[], shape: number[], dtype: DType = 'f32'): [Tensor, Tensor] {
  return [T.tensor(values, shape, dtype, { device: 'cpu' }), T.tensor(values, shape, dtype, { device: 'webgpu' })];
}

function randomPair(r: () => number, shape: number[], scale = 2, shift = 0): [Tensor, Tensor] {
  return pair(Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => shift + scale * (2 * r() - 1)), shape);
}

/** Runs f on the cpu and the webgpu copies and compares the results. */
async function same(f: (d: 0 | 1) => Tensor, tol: { atol: number; rtol: number }, what: string): Promise<void> {
  const c = f(0);
  const g = f(1);
  expect(g.device).toBe('webgpu');
  await expectClose(g, c, tol, what);
  const values = await g.data();
  expect(values.length).toBe(c.size);
}

describeOnDevices(['webgpu'], 'nn ops on webgpu match the cpu oracle', () => {
  it('softmax and logSoftmax (short, odd and long rows; other axes; extreme values)', async () => {
    const r = rng(100);
    for (const shape of [[3, 1], [5, 7], [2, 3, 130], [1, 1500]]) {
      const x = randomPair(r, shape, 8);
      await same((d) => T.softmax(x[d]), rowTol, `softmax ${shape}`);
      await same((d) => T.logSoftmax(x[d]), rowTol, `logSoftmax ${shape}`);
    }
    const x = randomPair(r, [4, 3, 5], 3);
    await same((d) => T.softmax(x[d], 1), rowTol, 'softmax axis 1');
    const big = pair([1e30, -1e30, 0, -Infinity, 88, 89, 90, 91], [2, 4]);
    await same((d) => T.softmax(big[d]), rowTol, 'softmax extremes');
  });

  it('crossEntropy with ignored and out-of-range targets, and a long vocabulary row', async () => {
    const r = rng(101);
    const logits = randomPair(r, [3, 5, 37], 6);
    const targets = pair([0, 36, 5, -100, 17, 36, 2, 40, 1, 0, 9, -100, 3, 3, 3], [3, 5], 'i32');
    await same((d) => T.crossEntropy(logits[d], targets[d]), rowTol, 'crossEntropy');
    const wide = randomPair(r, [2, 3001], 10);
    const t = pair([3000, 7], [2], 'i32');
    await same((d) => T.crossEntropy(wide[d], t[d]), rowTol, 'crossEntropy V=3001');
  });

  it('rmsNorm, layerNorm, groupNorm', async () => {
    const r = rng(102);
    const x = randomPair(r, [3, 5, 11], 3, 0.5);
    const w = randomPair(r, [11]);
    const b = randomPair(r, [11]);
    await same((d) => T.rmsNorm(x[d], w[d], 1e-5), rowTol, 'rmsNorm');
    await same((d) => T.rmsNorm(x[d], null, 1e-5), rowTol, 'rmsNorm no weight');
    await same((d) => T.layerNorm(x[d], w[d], b[d]), rowTol, 'layerNorm');
    await same((d) => T.layerNorm(x[d], null, b[d]), rowTol, 'layerNorm bias only');
    const long = randomPair(r, [2, 1300], 2, 3);
    await same((d) => T.layerNorm(long[d]), rowTol, 'layerNorm long row');
    const img = randomPair(r, [2, 6, 5, 3], 3, 1);
    const gw = randomPair(r, [6]);
    const gb = randomPair(r, [6]);
    await same((d) => T.groupNorm(img[d], 3, gw[d], gb[d], 1e-6), rowTol, 'groupNorm');
    await same((d) => T.groupNorm(img[d], 2), rowTol, 'groupNorm no affine');
  });

  it('rope with shared and per-batch positions (up to 4095, theta 500000)', async () => {
    const r = rng(103);
    const x = randomPair(r, [2, 3, 5, 10]);
    const shared = pair([0, 1, 2, 3, 4], [5], 'i32');
    await same((d) => T.rope(x[d], shared[d], 10000), { atol: 2e-5, rtol: 1e-5 }, 'rope shared');
    const perBatch = pair([7, 100, 1000, 4000, 4095, 0, 0, 1, 2, 3], [2, 5], 'i32');
    await same((d) => T.rope(x[d], perBatch[d], 500000), { atol: 2e-5, rtol: 1e-5 }, 'rope per batch');
  });

  it('attention: plain, Tq ≠ Tk across key tiles, pad masks with all-pad rows, broadcast bias', async () => {
    const r = rng(104);
    const q = randomPair(r, [2, 2, 37, 8], 2);
    const k = randomPair(r, [2, 2, 45, 8], 2);
    const v = randomPair(r, [2, 2, 45, 6]);
    await same((d) => T.attention(q[d], k[d], v[d]), dotTol, 'attention');
    const [B, H, Tn, D] = [3, 2, 7, 5];
    const qm = randomPair(r, [B, H, Tn, D], 3);
    const km = randomPair(r, [B, H, Tn, D], 3);
    const vm = randomPair(r, [B, H, Tn, D]);
    const mask = pair([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1], [B, Tn], 'bool');
    await same((d) => T.attention(qm[d], km[d], vm[d], { keyPadMask: mask[d] }), dotTol, 'attention mask');
    const y = await T.attention(qm[1], km[1], vm[1], { keyPadMask: mask[1] }).data();
    expect(y.every((e) => Number.isFinite(e))).toBe(true);
    for (const shape of [[Tn, Tn], [B, 1, 1, Tn], [1, H, Tn, 1]]) {
      const bias = randomPair(r, shape, 2);
      await same((d) => T.attention(qm[d], km[d], vm[d], { keyPadMask: mask[d], bias: bias[d], scale: 0.3 }), dotTol, `attention bias ${shape}`);
    }
    // several query rows per invocation (T > 32) and several key tiles, with a mask (one all-pad sample) and a bias
    const TL = 70;
    const ql = randomPair(r, [2, 2, TL, 16], 2);
    const kl = randomPair(r, [2, 2, TL, 16], 2);
    const vl = randomPair(r, [2, 2, TL, 12]);
    const ml = pair(Array.from({ length: 2 * TL }, (_, i) => (i < TL ? (i % 5 === 3 ? 0 : 1) : 0)), [2, TL], 'bool');
    const bl = randomPair(r, [1, 2, TL, TL], 1);
    await same((d) => T.attention(ql[d], kl[d], vl[d]), dotTol, 'attention T=70');
    await same((d) => T.attention(ql[d], kl[d], vl[d], { keyPadMask: ml[d], bias: bl[d] }), dotTol, 'attention T=70 mask bias');
  });

  it('conv2d: 3x3 pad 1, 1x1, stride 2 with pad [0,1,0,1], dilation; upsampleNearest2d', async () => {
    const r = rng(105);
    const cases: [number[], number[], T.Conv2dOptions][] = [
      [[2, 3, 9, 7], [5, 3, 3, 3], { padding: 1 }],
      [[1, 7, 5, 4], [3, 7, 1, 1], {}],
      [[2, 4, 9, 8], [4, 4, 3, 3], { stride: 2, padding: [0, 1, 0, 1] }],
      [[1, 2, 8, 9], [3, 2, 3, 2], { stride: [1, 2], padding: [2, 2, 1, 1], dilation: [2, 1] }],
      [[1, 20, 12, 11], [70, 20, 3, 3], { padding: 1 }],
    ];
    for (const [xs, ws, opts] of cases) {
      const x = randomPair(r, xs);
      const w = randomPair(r, ws, 0.5);
      const b = randomPair(r, [ws[0]!]);
      await same((d) => T.conv2d(x[d], w[d], b[d], opts), dotTol, `conv2d ${xs} ${ws} ${JSON.stringify(opts)}`);
    }
    const x = randomPair(r, [1, 2, 3, 5]);
    await same((d) => T.upsampleNearest2d(x[d], 2), { atol: 0, rtol: 0 }, 'upsample');
  });

  it('matmul with an f16 weight (transposed and not, small M, odd sizes)', async () => {
    const r = rng(106);
    // the f16 weight is read by the f16-weight kernel in place: no cast is dispatched
    const rt = (T.getBackend('webgpu') as WebGPUBackend).runtime;
    const keys: string[] = [];
    const dispatch = rt.dispatch.bind(rt);
    rt.dispatch = (spec) => (keys.push(spec.key), dispatch(spec));
    const wh = T.tensor([1, 2, 3, 4, 5, 6], [3, 2], 'f16', { device: 'webgpu' });
    const xh = T.tensor([1, -1], [1, 2], 'f32', { device: 'webgpu' });
    const yh = T.matmul(xh, wh, { transB: true });
    rt.dispatch = dispatch;
    expect(keys.some((k) => k.startsWith('gemm:matmul:f16'))).toBe(true);
    expect(keys.some((k) => k.startsWith('cast'))).toBe(false);
    expect(Array.from(await yh.data())).toEqual([-1, -1, -1]);
    for (const [M, K, N] of [[1, 33, 17], [5, 70, 9], [67, 20, 66]]) {
      const x = randomPair(r, [2, M, K]);
      const wt = randomPair(r, [N, K]);
      const w16 = [T.cast(wt[0], 'f16'), T.cast(wt[1], 'f16')];
      await same((d) => T.matmul(x[d], w16[d]!, { transB: true }), dotTol, `matmul f16 transB ${M}x${K}x${N}`);
      const w = randomPair(r, [K, N]);
      const wn16 = [T.cast(w[0], 'f16'), T.cast(w[1], 'f16')];
      await same((d) => T.matmul(x[d], wn16[d]!), dotTol, `matmul f16 ${M}x${K}x${N}`);
    }
  });
});
