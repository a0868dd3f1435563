import { describe, it } from 'vitest';
import * as T from '@mmada/tensor';
import { checkGradient } from '../../../tests/support/gradcheck.js';

describe('neural-network rules against central differences', () => {
  it('softmax / logSoftmax (last and middle axis)', async () => {
    await checkGradient((x) => T.softmax(x, -1), [{ shape: [2, 5] }], { label: 'softmax' });
    await checkGradient((x) => T.logSoftmax(x, -1), [{ shape: [3, 4] }], { label: 'logSoftmax' });
    await checkGradient((x) => T.softmax(x, 1), [{ shape: [2, 3, 2] }], { label: 'softmax axis 1' });
  });

  it('rmsNorm / layerNorm with and without affine parameters', async () => {
    await checkGradient((x, w) => T.rmsNorm(x, w, 1e-5), [{ shape: [3, 4] }, { shape: [4] }], { label: 'rmsNorm' });
    await checkGradient((x) => T.rmsNorm(x, null, 1e-5), [{ shape: [2, 5] }], { label: 'rmsNorm no weight' });
    await checkGradient((x, w, b) => T.layerNorm(x, w, b, 1e-5), [{ shape: [3, 4] }, { shape: [4] }, { shape: [4] }], { label: 'layerNorm' });
    await checkGradient((x) => T.layerNorm(x, null, null, 1e-5), [{ shape: [2, 5] }], { label: 'layerNorm bare' });
  });

  it('groupNorm', async () => {
    await checkGradient((x, w, b) => T.groupNorm(x, 2, w, b, 1e-5), [{ shape: [2, 4, 2, 2] }, { shape: [4] }, { shape: [4] }], { label: 'groupNorm' });
  });

  it('rope (positions per row)', async () => {
    const pos = { shape: [2, 3], data: [0, 1, 2, 5, 3, 7], dtype: 'i32' as const, constant: true };
    await checkGradient((x, p) => T.rope(x, p, 10000), [{ shape: [2, 2, 3, 4] }, pos], { label: 'rope' });
  });

  it('attention with a padding mask and a bias', async () => {
    const mask = { shape: [1, 3], data: [1, 1, 0], dtype: 'bool' as const, constant: true };
    await checkGradient(
      (q, k, v, m, b) => T.attention(q, k, v, { keyPadMask: m, bias: b }),
      [{ shape: [1, 2, 3, 4] }, { shape: [1, 2, 3, 4] }, { shape: [1, 2, 3, 2] }, mask, { shape: [1, 1, 3, 3] }],
      { label: 'attention' },
    );
    await checkGradient((q, k, v) => T.attention(q, k, v), [{ shape: [2, 1, 2, 3] }, { shape: [2, 1, 4, 3] }, { shape: [2, 1, 4, 3] }], {
      label: 'attention cross',
    });
  });

  it('crossEntropy with ignoreIndex', async () => {
    const targets = { shape: [4], data: [2, -100, 0, 4], dtype: 'i32' as const, constant: true };
    await checkGradient((l, t) => T.crossEntropy(l, t, { ignoreIndex: -100 }), [{ shape: [4, 5] }, targets], { label: 'crossEntropy' });
  });

  it('conv2d with stride, padding, dilation and bias; upsampleNearest2d', async () => {
    await checkGradient(
      (x, w, b) => T.conv2d(x, w, b, { stride: 2, padding: 1 }),
      [{ shape: [1, 2, 5, 4] }, { shape: [3, 2, 3, 3] }, { shape: [3] }],
      { label: 'conv2d stride 2' },
    );
    await checkGradient(
      (x, w) => T.conv2d(x, w, null, { dilation: 2, padding: [0, 1, 2, 0] as never }),
      [{ shape: [2, 1, 5, 5] }, { shape: [2, 1, 2, 2] }],
      { label: 'conv2d dilation' },
    );
    await checkGradient((x) => T.upsampleNearest2d(x, 2), [{ shape: [1, 2, 2, 3] }], { label: 'upsample' });
  });
});
