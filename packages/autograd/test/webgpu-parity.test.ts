import { it } from 'vitest';
import * as T from '@mmada/tensor';
import { gradsOn, type InputSpec } from '../../../tests/support/gradcheck.js';
import { describeOnDevices } from '../../../tests/support/devices.js';
import { expectClose } from '../../../tests/support/expect-close.js';

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
  // the image tokenizer's block: groupNorm, silu, a same conv and the stride-2 downsample, several images
  [
    'groupNorm + silu + conv2d + downsample (image tokenizer)',
    (x, g, gb, w, b, wd) => T.conv2d(T.conv2d(T.silu(T.groupNorm(x, 2, g, gb)), w, b, { padding: 1 }), wd, null, { stride: 2, padding: [0, 1, 0, 1] }),
    [{ shape: [3, 4, 8, 8] }, { shape: [4] }, { shape: [4] }, { shape: [8, 4, 3, 3] }, { shape: [8] }, { shape: [8, 8, 3, 3] }],
  ],
];

describeOnDevices(['webgpu'], 'webgpu gradients equal cpu gradients', () => {
  for (const [name, f, specs] of CASES) {
    it(name, async () => {
      const cpu = await gradsOn('cpu', f, specs);
      const gpu = await gradsOn('webgpu', f, specs);
      for (let j = 0; j < cpu.length; j++) await expectClose(gpu[j]!, cpu[j]!, { atol: 1e-4, rtol: 1e-3 }, `${name}: gradient ${j}`);
    });
  }
});
