/**
 * matmul with an f16 weight on the cpu reference device. Tolerance: atol 1e-5, rtol 1e-5.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { expectClose } from '../../../tests/support/expect-close.js';
import { rng, uniformTensor } from '../../../tests/support/rng.js';

const tol = { atol: 1e-5, rtol: 1e-5 };
const F32_MIN = -3.4028234663852886e38;
const randn = (r: () => number, shape: number[], scale = 1) => uniformTensor(r, shape, scale);

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

describe('matmul with an f16 weight', () => {
  it('reads b as f16 without converting it first and equals the f32 product of the rounded weight', async () => {
    const r = rng(40);
    const x = randn(r, [3, 5, 8]);
    const w16 = T.cast(randn(r, [6, 8]), 'f16');
    const seen: string[] = [];
    const off = T.onPrimitive((e) => seen.push(`${e.prim}:${e.inputs.map((t) => t.dtype).join(',')}`));
    const y = T.matmul(x, w16, { transB: true });
    off();
    expect(seen).toContain('matmul:f32,f16');
    expect(seen.some((s) => s.startsWith('cast'))).toBe(false);
    expect(y.dtype).toBe('f32');
    await expectClose(y, T.matmul(x, T.cast(w16, 'f32'), { transB: true }), tol);
  });
});
