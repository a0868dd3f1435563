import { describe, it } from 'vitest';
import * as T from '@mmada/tensor';
import { checkGradient } from '../../../tests/support/gradcheck.js';
import { rng } from '../../../tests/support/rng.js';

const ints = (values: number[], shape: number[]) => ({ shape, data: values, dtype: 'i32' as const, constant: true });

describe('reduction, layout and indexing rules against central differences', () => {
  it('sum / mean / max / min / prod over axes', async () => {
    await checkGradient((x) => T.sum(x, [0, 2]), [{ shape: [2, 3, 4] }], { label: 'sum' });
    await checkGradient((x) => T.mean(x, 1, { keepDims: true }), [{ shape: [2, 3, 4] }], { label: 'mean' });
    await checkGradient((x) => T.max(x, -1), [{ shape: [3, 5] }], { label: 'max' });
    await checkGradient((x) => T.min(x, [0, 1]), [{ shape: [3, 5] }], { label: 'min' });
    await checkGradient((x) => T.prod(x, 1), [{ shape: [2, 4], lo: 0.5, hi: 1.5 }], { label: 'prod' });
    await checkGradient((x) => T.logSumExp(x, -1), [{ shape: [3, 4] }], { label: 'logSumExp' });
  });

  it('max ties share the gradient', async () => {
    const { valueAndGrad } = await import('../src/index.js');
    const x = T.tensor([2, 1, 2], [3]);
    const { value, grads } = await valueAndGrad((p: T.Tensor) => T.max(p))(x);
    const g = Array.from(await grads.data());
    if (g.join() !== '0.5,0,0.5') throw new Error(`max ties: ${g}`);
    T.dispose([x, value, grads]);
  });

  it('matmul: plain, transposed operands, batched with broadcast, vectors', async () => {
    await checkGradient((a, b) => T.matmul(a, b), [{ shape: [3, 4] }, { shape: [4, 2] }], { label: 'mm' });
    await checkGradient((a, b) => T.matmul(a, b, { transA: true }), [{ shape: [4, 3] }, { shape: [4, 2] }], { label: 'mm transA' });
    await checkGradient((a, b) => T.matmul(a, b, { transB: true }), [{ shape: [3, 4] }, { shape: [2, 4] }], { label: 'mm transB' });
    await checkGradient((a, b) => T.matmul(a, b, { transA: true, transB: true }), [{ shape: [4, 3] }, { shape: [2, 4] }], { label: 'mm both' });
    await checkGradient((a, b) => T.matmul(a, b), [{ shape: [2, 1, 3, 4] }, { shape: [3, 4, 2] }], { label: 'mm batched broadcast' });
    await checkGradient((a, b) => T.matmul(a, b), [{ shape: [4] }, { shape: [2, 4, 3] }], { label: 'mm vector' });
  });

  it('reshape, transpose, slice, broadcastTo, pad, concat, stack, tile, squeeze', async () => {
    await checkGradient((x) => T.reshape(T.mul(x, x), [6, 2]), [{ shape: [3, 4] }], { label: 'reshape' });
    await checkGradient((x) => T.transpose(x, [2, 0, 1]), [{ shape: [2, 3, 4] }], { label: 'transpose' });
    await checkGradient((x) => T.slice(x, [1, 0, 2], [1, 2, 2]), [{ shape: [2, 3, 4] }], { label: 'slice' });
    await checkGradient((x) => T.broadcastTo(x, [2, 3, 4]), [{ shape: [3, 1] }], { label: 'broadcastTo' });
    await checkGradient((x) => T.pad(x, [[1, 2], [0, 1]], 3), [{ shape: [2, 3] }], { label: 'pad' });
    await checkGradient((a, b) => T.concat([a, b, a], 1), [{ shape: [2, 1] }, { shape: [2, 3] }], { label: 'concat' });
    await checkGradient((a, b) => T.stack([a, b], 0), [{ shape: [3] }, { shape: [3] }], { label: 'stack' });
    await checkGradient((x) => T.tile(x, [2, 3]), [{ shape: [2, 2] }], { label: 'tile' });
    await checkGradient((x) => T.squeeze(T.expandDims(x, 1)), [{ shape: [3, 2] }], { label: 'squeeze' });
  });

  it('gather (embedding), takeAlongAxis, putAlongAxis set/add, scatterAdd', async () => {
    await checkGradient((x, i) => T.gather(x, i, 0), [{ shape: [5, 3] }, ints([0, 4, 4, 1, 9, -1], [2, 3])], { label: 'gather rows (repeats, out of range)' });
    await checkGradient((x, i) => T.gather(x, i, 1), [{ shape: [2, 4, 3] }, ints([3, 0, 3], [3])], { label: 'gather axis 1' });
    await checkGradient((x, i) => T.embedding(x, i), [{ shape: [6, 2] }, ints([5, 0, 5, 2], [2, 2])], { label: 'embedding' });
    await checkGradient((x, i) => T.takeAlongAxis(x, i, 1), [{ shape: [2, 4] }, ints([3, 3, 0, 1, 2, 2], [2, 3])], { label: 'takeAlongAxis' });
    await checkGradient(
      (x, i, v) => T.putAlongAxis(x, i, v, 1, 'set'),
      [{ shape: [2, 4] }, ints([3, 0, 1, 2], [2, 2]), { shape: [2, 2] }],
      { label: 'putAlongAxis set' },
    );
    await checkGradient(
      (x, i, v) => T.scatterAdd(x, i, v, 1),
      [{ shape: [2, 4] }, ints([3, 3, 1, 2], [2, 2]), { shape: [2, 2] }],
      { label: 'scatterAdd' },
    );
  });

  it('sort and topk values', async () => {
    const r = rng(3);
    const distinct = Array.from({ length: 10 }, (_, i) => i * 0.37 + r() * 0.1).sort(() => r() - 0.5);
    await checkGradient((x) => T.sort(x, { descending: true }), [{ shape: [2, 5], data: distinct }], { label: 'sort' });
    await checkGradient((x) => T.topk(x, 2).values, [{ shape: [2, 5], data: distinct }], { label: 'topk' });
  });
});
