/**
 * Higher-order gradients are not supported (README): a gradient taken inside another transform, of a function that
 * uses a tensor the outer transform differentiates, is refused with an error instead of returning a gradient that
 * silently misses the inner path. A gradient inside a transform that touches none of the outer's tensors works.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import { grad, valueAndGrad } from '../src/index.js';

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

describe('grad inside a differentiated function', () => {
  it('is refused when the inner function uses a tensor the outer transform differentiates', async () => {
    const w = T.tensor([1, 2, 3], [3]);
    const x0 = T.tensor([0.5, -1, 2], [3]);
    const outer = valueAndGrad(async (p: T.Tensor) => {
      const g = await grad((x: T.Tensor) => T.sum(T.mul(x, p)))(x0); // d/dx Σ x·w = w, so Σ g = Σ w
      return T.sum(g);
    });
    await expect(outer(w)).rejects.toThrow(/higher-order gradients \(grad of grad\) are not supported.*first in binary/);
    w.dispose();
    x0.dispose();
  });

  it('works when the inner gradient is independent of the outer parameters', async () => {
    const w = T.tensor([1, 2, 3], [3]);
    const x0 = T.tensor([0.5, -1, 2], [3]);
    const { value, grads } = await valueAndGrad(async (p: T.Tensor) => {
      const g = await grad((x: T.Tensor) => T.sum(T.square(x)))(x0); // 2·x0, a constant for the outer transform
      return T.sum(T.mul(p, g));
    })(w);
    expect(await value.item()).toBeCloseTo(2 * (0.5 - 2 + 6), 6);
    expect(Array.from((await grads.data()) as Float32Array)).toEqual([1, -2, 4]);
    for (const t of [value, grads, w, x0]) t.dispose();
  });
});
