/**
 * The activation functions (elementwise family) on the cpu reference device. Tolerance: atol 1e-6 + rtol 1e-5.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { expectClose } from '../../../tests/support/expect-close.js';

const tol = { atol: 1e-6, rtol: 1e-5 };
beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

describe('activations', () => {
  it('silu and both gelu forms match their formulas', async () => {
    const xs = [-3, -1, -0.5, 0, 0.25, 1, 2.5];
    const x = T.tensor(xs);
    await expectClose(T.silu(x), xs.map((v) => v / (1 + Math.exp(-v))), tol);
    const c = Math.sqrt(2 / Math.PI);
    await expectClose(T.gelu(x, 'tanh'), xs.map((v) => 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v ** 3)))), tol);
    // erf form against hand values: gelu(1) = 0.8413447460685429, gelu(-1) = -0.15865525393145707
    const g = await T.gelu(T.tensor([1, -1, 0])).data();
    expect(g[0]).toBeCloseTo(0.8413447460685429, 6);
    expect(g[1]).toBeCloseTo(-0.15865525393145707, 6);
    expect(g[2]).toBe(0);
  });
});
