/**
 * rope on the cpu reference device, against the formula in plain JS and hand-worked values.
 * Tolerance: atol 1e-5, rtol 1e-5 (f32 results).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { expectClose } from '../../../tests/support/expect-close.js';
import { rng, uniformTensor } from '../../../tests/support/rng.js';

const tol = { atol: 1e-5, rtol: 1e-5 };
const randn = (r: () => number, shape: number[], scale = 2, shift = 0) => uniformTensor(r, shape, scale, shift);

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

describe('rope', () => {
  it('splitHeads rotates [B, T, H, D] into [B, H, T, D]: the transpose, then rope, bit for bit', async () => {
    const r = rng(21);
    const x = randn(r, [2, 5, 3, 8]);
    const pos = T.tensor([3, 0, 7, 1, 2, 9, 4, 4, 0, 11], [2, 5], 'i32');
    const split = T.rope(x, pos, 10000, { splitHeads: true });
    expect(split.shape).toEqual([2, 3, 5, 8]);
    expect(Array.from(await split.data())).toEqual(Array.from(await T.rope(T.transpose(x, [0, 2, 1, 3]), pos, 10000).data()));
    expect(() => T.rope(x, T.tensor([0, 1, 2], [3], 'i32'), 10000, { splitHeads: true })).toThrow(/positions must be \[5\]/);
  });
  it('ropeMany rotates several tensors exactly as rope does each', async () => {
    const r = rng(22);
    const [q, k] = [randn(r, [2, 5, 3, 8]), randn(r, [2, 5, 3, 8])];
    const pos = T.tensor([3, 0, 7, 1, 2], [5], 'i32');
    const [rq, rk] = T.ropeMany([q, k], pos, 10000, { splitHeads: true });
    expect(Array.from(await rq!.data())).toEqual(Array.from(await T.rope(q, pos, 10000, { splitHeads: true }).data()));
    expect(Array.from(await rk!.data())).toEqual(Array.from(await T.rope(k, pos, 10000, { splitHeads: true }).data()));
    expect(() => T.ropeMany([q, T.zeros([2, 5, 3, 6])], pos)).toThrow(/one shape/);
  });

  it('hand-worked: D = 4, theta 10000 -> inverse frequencies [1, 0.01]', async () => {
    expect(Array.from(T.ropeInvFreq(10000, 4))).toEqual([1, Math.fround(0.01)]);
    const x = T.tensor([1, 0, 0, 0, 0, 1, 0, 0], [1, 1, 2, 4]);
    const y = await T.rope(x, T.tensor([0, 1], [2], 'i32'), 10000).data();
    const c = Math.fround(Math.cos(Math.fround(0.01)));
    const s = Math.fround(Math.sin(Math.fround(0.01)));
    // position 0 is the identity; at position 1, e_1 rotates with angle 0.01 into e_1·cos + e_3·sin
    expectArray(Array.from(y), [1, 0, 0, 0, 0, c, 0, s]);
  });
  it('equals x·cos θ + rotate_half(x)·sin θ built from ops (spec model.md §3), positions [T] and [B, T]', async () => {
    const r = rng(13);
    const [B, H, Tn, D] = [2, 3, 5, 8];
    const x = randn(r, [B, H, Tn, D]);
    const theta = 500000;
    const inv = T.tensor(T.ropeInvFreq(theta, D), [D / 2]);
    const check = async (pos: number[][]) => {
      const p = T.tensor(pos.flat(), [B, Tn], 'f32');
      const freqs = T.mul(T.expandDims(p, -1), inv); // [B, T, D/2]
      const ang = T.concat([freqs, freqs], -1); // [B, T, D]
      const cos = T.expandDims(T.cos(ang), 1);
      const sin = T.expandDims(T.sin(ang), 1);
      const rot = T.concat([T.neg(T.sliceAxis(x, -1, D / 2)), T.sliceAxis(x, -1, 0, D / 2)], -1);
      return T.add(T.mul(x, cos), T.mul(rot, sin));
    };
    const shared = Array.from({ length: Tn }, (_, t) => t);
    await expectClose(T.rope(x, T.tensor(shared, [Tn], 'i32'), theta), await check([shared, shared]), tol);
    const perBatch = [[3, 4, 5, 6, 7], [0, 0, 1, 2, 4095]];
    await expectClose(T.rope(x, T.tensor(perBatch.flat(), [B, Tn], 'i32'), theta), await check(perBatch), { atol: 2e-5, rtol: 1e-5 });
  });
  it('checks shapes', () => {
    expect(() => T.rope(T.zeros([1, 1, 2, 3]), T.zeros([2], 'i32'))).toThrow(/must be even/);
    expect(() => T.rope(T.zeros([1, 1, 2, 4]), T.zeros([3], 'i32'))).toThrow(/positions must be/);
  });
});

function expectArray(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(a, `element ${i}`).toBeCloseTo(expected[i]!, 6));
}
