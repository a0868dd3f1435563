import { describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import { valueAndGrad } from '../src/index.js';
import { makeData, rng, type InputSpec } from './gradcheck.js';

/** True where a WebGPU adapter exists (CI and MMADA_DEVICE=webgpu demand one). */
async function webgpuAvailable(): Promise<boolean> {
  if (process.env.MMADA_DEVICE === 'cpu') return false;
  try {
    await T.ensureBackend('webgpu');
    return true;
  } catch (e) {
    if (process.env.MMADA_DEVICE === 'webgpu' || process.env.CI === 'true') throw e;
    return false;
  }
}

const hasGpu = await webgpuAvailable();

type Case = [string, (...xs: T.Tensor[]) => T.Tensor, InputSpec[]];
const ids = (values: number[], shape: number[], dtype: T.DType = 'i32'): InputSpec => ({ shape, data: values, dtype, constant: true });

const CASES: Case[] = [
  ['mlp with broadcasting', (x, w, b) => T.gelu(T.add(T.matmul(x, w), b)), [{ shape: [3, 4] }, { shape: [4, 5] }, { shape: [5] }]],
  ['batched matmul transB + reductions', (a, b) => T.max(T.matmul(a, b, { transB: true }), -1), [{ shape: [2, 3, 4] }, { shape: [1, 5, 4] }]],
  ['softmax / logSoftmax', (x) => T.add(T.softmax(x, -1), T.logSoftmax(x, -1)), [{ shape: [3, 7] }]],
  ['rmsNorm + layerNorm', (x, w, b) => T.layerNorm(T.rmsNorm(x, w), w, b), [{ shape: [4, 8] }, { shape: [8] }, { shape: [8] }]],
  ['groupNorm', (x, w, b) => T.groupNorm(x, 2, w, b), [{ shape: [2, 4, 3, 2] }, { shape: [4] }, { shape: [4] }]],
  [
    'attention with rope and mask',
    (q, k, v, pos, m) => T.attention(T.rope(q, pos), T.rope(k, pos), v, { keyPadMask: m }),
    [{ shape: [2, 2, 4, 8] }, { shape: [2, 2, 4, 8] }, { shape: [2, 2, 4, 8] }, ids([0, 1, 2, 3], [4]), ids([1, 1, 1, 0, 1, 1, 1, 1], [2, 4], 'bool')],
  ],
  ['crossEntropy', (l, t) => T.crossEntropy(l, t, { ignoreIndex: -100 }), [{ shape: [5, 6] }, ids([0, 5, -100, 2, 3], [5])]],
  ['embedding + scatter', (e, i) => T.embedding(e, i), [{ shape: [7, 4] }, ids([1, 6, 1, 0], [2, 2])]],
  ['conv2d stride 2', (x, w, b) => T.conv2d(x, w, b, { stride: 2, padding: 1 }), [{ shape: [1, 2, 6, 6] }, { shape: [3, 2, 3, 3] }, { shape: [3] }]],
];

describe.skipIf(!hasGpu)('webgpu gradients equal cpu gradients', () => {
  for (const [name, f, specs] of CASES) {
    it(name, async () => {
      const r = rng(11);
      const datas = specs.map((s) => makeData(r, s));
      const diff = specs.flatMap((s, i) => (s.constant ? [] : [i]));
      const gradsOn = async (device: T.DeviceName) =>
        T.scope(async () => {
          const xs = datas.map((d, i) => T.tensor(d, [...specs[i]!.shape], specs[i]!.dtype ?? 'f32', { device }));
          const probe = f(...xs);
          const w = T.tensor(makeData(rng(5), { shape: probe.shape }), [...probe.shape], 'f32', { device });
          const { grads } = await valueAndGrad((ps: T.Tensor[]) =>
            T.sum(T.mul(f(...xs.map((x, i) => (diff.includes(i) ? ps[diff.indexOf(i)]! : x))), w)),
          )(diff.map((i) => xs[i]!));
          return Promise.all(grads.map(async (g) => Array.from(await g.data())));
        });
      const cpu = await gradsOn('cpu');
      const gpu = await gradsOn('webgpu');
      cpu.forEach((c, j) =>
        c.forEach((v, k) => {
          const g = gpu[j]![k]!;
          if (!(Math.abs(g - v) <= 1e-4 + 1e-3 * Math.abs(v))) expect.fail(`${name}: input ${diff[j]} element ${k}: webgpu ${g} vs cpu ${v}`);
        }),
      );
    });
  }
});
