/**
 * activationBackward on the cpu reference device: gradOut · f'(x) for silu, geluErf and geluTanh equals the
 * derivative written as elementwise ops (within 1e-6) and central differences of the forward op; f16 inputs are
 * read as f32; bad shapes and integer inputs are refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { expectClose } from '../../../tests/support/expect-close.js';
import { rng, uniformTensor } from '../../../tests/support/rng.js';

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

describe('activationBackward', () => {
  const r = rng(41);
  const x = uniformTensor(r, [3, 11], 12, -6);
  const d = uniformTensor(r, [3, 11], 2, -1);

  it("silu: d·s·(1 + x·(1 − s)) with s = sigmoid(x)", async () => {
    const s = T.sigmoid(x);
    await expectClose(T.activationBackward('silu', x, d), T.mul(d, T.mul(s, T.add(1, T.mul(x, T.sub(1, s))))), { atol: 1e-6, rtol: 1e-6 });
  });

  it('geluErf: d·(Φ(x) + x·φ(x))', async () => {
    const cdf = T.mul(T.add(1, T.erf(T.mul(x, Math.SQRT1_2))), 0.5);
    const pdf = T.mul(T.exp(T.mul(T.square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    await expectClose(T.activationBackward('geluErf', x, d), T.mul(d, T.add(cdf, T.mul(x, pdf))), { atol: 1e-6, rtol: 1e-5 });
  });

  it('each op matches central differences of its forward', async () => {
    const h = 1e-2;
    const forwards = { silu: T.silu, geluErf: (v: T.Tensor) => T.gelu(v), geluTanh: (v: T.Tensor) => T.gelu(v, 'tanh') } as const;
    for (const op of ['silu', 'geluErf', 'geluTanh'] as const) {
      const f = forwards[op];
      const numeric = T.mul(d, T.div(T.sub(f(T.add(x, h)), f(T.sub(x, h))), 2 * h));
      await expectClose(T.activationBackward(op, x, d), numeric, { atol: 2e-3, rtol: 2e-3 });
    }
  });

  it('reads f16 inputs as f32 and gives f32', async () => {
    const xh = T.cast(x, 'f16');
    const dx = T.activationBackward('silu', xh, d);
    expect(dx.dtype).toBe('f32');
    await expectClose(dx, T.activationBackward('silu', T.cast(xh, 'f32'), d), { atol: 0, rtol: 0 });
  });

  it('refuses mismatched shapes and integer inputs', () => {
    expect(() => T.activationBackward('silu', x, T.zeros([11]))).toThrow(/activationBackward.*gradOut \[11\].*\[3, 11\]/);
    expect(() => T.activationBackward('geluTanh', T.arange(0, 4), T.zeros([4]))).toThrow(/activationBackward.*x must be f32/);
  });
});
