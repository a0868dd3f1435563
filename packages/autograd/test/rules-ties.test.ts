/** Rules whose gradient at a tie is a choice: checked by value, not by central differences (which see a kink). */
import { describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import { valueAndGrad } from '../src/index.js';

describe('gradients at ties', () => {
  it('maximum ties split the gradient', async () => {
    const a = T.tensor([1, 2], [2]);
    const b = T.tensor([1, 3], [2]);
    const { grads, value } = await valueAndGrad(([x, y]: T.Tensor[]) => T.sum(T.maximum(x!, y!)))([a, b]);
    expect(Array.from(await grads[0]!.data())).toEqual([0.5, 0]);
    expect(Array.from(await grads[1]!.data())).toEqual([0.5, 1]);
    T.dispose([a, b, value, grads]);
  });

  it('max ties share the gradient', async () => {
    const x = T.tensor([2, 1, 2], [3]);
    const { value, grads } = await valueAndGrad((p: T.Tensor) => T.max(p))(x);
    expect(Array.from(await grads.data())).toEqual([0.5, 0, 0.5]);
    T.dispose([x, value, grads]);
  });
});
