/**
 * embedding on the cpu reference device.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { expectClose } from '../../../tests/support/expect-close.js';

const tol = { atol: 1e-6, rtol: 1e-5 };
beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

describe('embedding', () => {
  it('picks rows of the table', async () => {
    const table = T.tensor([[0, 1], [10, 11], [20, 21]]);
    const y = T.embedding(table, T.tensor([[2, 0], [1, 1]], [2, 2], 'i32'));
    expect(y.shape).toEqual([2, 2, 2]);
    expect(await y.array()).toEqual([[[20, 21], [0, 1]], [[10, 11], [10, 11]]]);
    expect(() => T.embedding(T.zeros([3]), T.zeros([1], 'i32'))).toThrow(/table must be/);
  });
});
