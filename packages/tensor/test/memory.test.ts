import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { describeOnDevices } from '../../../tests/support/devices.js';

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

async function leakCheck(device: 'cpu' | 'webgpu', iterations: number) {
  const w = T.keep(T.tensor([[0.5, -1], [2, 0.25]], undefined, 'f32', { device }));
  const before = T.memory();
  for (let i = 0; i < iterations; i++) {
    const out = await T.scope(async () => {
      const x = T.uniform(T.key(i), [4, 2], { device });
      const h = T.relu(T.matmul(x, w));
      const s = T.sum(softmaxLike(h));
      await s.data(); // an await inside the scope
      return T.mul(s, 2);
    });
    out.dispose();
  }
  expect(T.memory()).toEqual(before);
  w.dispose();
}

/** A softmax composed from core ops (the fused one is tested with the nn ops). */
function softmaxLike(x: T.Tensor): T.Tensor {
  const e = T.exp(T.sub(x, T.max(x, -1, { keepDims: true })));
  return T.div(e, T.sum(e, -1, { keepDims: true }));
}

describeOnDevices(['cpu', 'webgpu'], 'scope', (device) => {
  const n = device === 'cpu' ? 1000 : 200;
  it(`${n} iterations inside scope leave memory() unchanged`, async () => {
    await leakCheck(device, n);
  });
});

describe('memory', () => {
  it('dispose, keep, using and reshapes sharing storage', async () => {
    const before = T.memory();
    const x = T.zeros([4]);
    const y = T.reshape(x, [2, 2]); // shares storage
    expect(T.memory().tensors).toBe(before.tensors + 2);
    expect(T.memory().bytes).toBe(before.bytes + 16);
    x.dispose();
    expect(await y.array()).toEqual([[0, 0], [0, 0]]); // storage still alive
    y.dispose();
    expect(T.memory()).toEqual(before);
    expect(() => y.data()).toThrow(/disposed/);
    {
      using z = T.ones([3]);
      expect(z.disposed).toBe(false);
    }
    expect(T.memory()).toEqual(before);
    const kept = await T.scope(async () => {
      const a = T.keep(T.ones([2]));
      T.ones([5]);
      return { nested: [T.zeros([1])], a };
    });
    expect(T.memory().tensors).toBe(before.tensors + 2);
    T.dispose(kept);
    expect(T.memory()).toEqual(before);
  });
  it('a failing scope frees what it created', async () => {
    const before = T.memory();
    await expect(
      T.scope(async () => {
        T.ones([10]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(T.memory()).toEqual(before);
  });
  it('concurrent scopes do not free each other’s tensors', async () => {
    const before = T.memory();
    const slow = T.scope(async () => {
      const a = T.ones([3]);
      await new Promise((r) => setTimeout(r, 20));
      return T.add(a, 1);
    });
    const fast = T.scope(async () => T.mul(T.ones([3]), 3));
    const [s, f] = await Promise.all([slow, fast]);
    expect(await s.array()).toEqual([2, 2, 2]);
    expect(await f.array()).toEqual([3, 3, 3]);
    T.dispose([s, f]);
    expect(T.memory()).toEqual(before);
  });
});
