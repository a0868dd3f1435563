/**
 * swiglu and swigluBackward on the cpu reference device: the forward equals mul(silu(gate), up) bit for bit, the
 * backward equals its formula written as elementwise ops (within 1e-6), bad shapes are refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { expectClose } from '../../../tests/support/expect-close.js';
import { rng, uniformTensor } from '../../../tests/support/rng.js';

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

describe('swiglu', () => {
  const r = rng(31);
  const gate = uniformTensor(r, [4, 9], 16, -8);
  const up = uniformTensor(r, [4, 9], 2, -1);

  it('equals mul(silu(gate), up) exactly', async () => {
    expect(Array.from(await T.swiglu(gate, up).data())).toEqual(Array.from(await T.mul(T.silu(gate), up).data()));
  });

  it('backward: dgate = d·up·s·(1 + gate·(1 − s)), dup = d·silu(gate)', async () => {
    const d = uniformTensor(r, [4, 9], 2, -1);
    const { dgate, dup } = T.swigluBackward(gate, up, d);
    const s = T.sigmoid(gate);
    await expectClose(dgate, T.mul(T.mul(d, up), T.mul(s, T.add(1, T.mul(gate, T.sub(1, s))))), { atol: 1e-6, rtol: 1e-6 });
    await expectClose(dup, T.mul(d, T.silu(gate)), { atol: 1e-6, rtol: 1e-6 });
  });

  it('refuses gate and up of different shapes', () => {
    expect(() => T.swiglu(gate, T.zeros([4, 8]))).toThrow(/swiglu.*\[4, 9\].*\[4, 8\]/);
    expect(() => T.swigluBackward(gate, up, T.zeros([9]))).toThrow(/swigluBackward.*gradOut \[9\]/);
  });
});
