import { expect } from 'vitest';
import type { Tensor } from '@mmada/tensor';

export interface Tolerance {
  atol?: number;
  rtol?: number;
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'shape' in x && 'dtype' in x && typeof (x as Tensor).data === 'function';
}

/**
 * Fails unless every element satisfies |actual − expected| ≤ atol + rtol·|expected| (default 1e-5 each), naming the
 * first element that does not. NaN must meet NaN; equal infinities pass. When both are tensors their shapes and
 * dtypes must match too.
 */
export async function expectClose(
  actual: Tensor | ArrayLike<number>,
  expected: Tensor | ArrayLike<number>,
  tol: Tolerance = {},
  what = '',
): Promise<void> {
  const atol = tol.atol ?? 1e-5;
  const rtol = tol.rtol ?? 1e-5;
  if (isTensor(actual) && isTensor(expected)) {
    expect(actual.shape, `${what} shape`).toEqual(expected.shape);
    expect(actual.dtype, `${what} dtype`).toBe(expected.dtype);
  }
  const a = isTensor(actual) ? await actual.data() : actual;
  const e = isTensor(expected) ? await expected.data() : expected;
  expect(a.length, `${what} length`).toBe(e.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    if (Number.isNaN(y)) {
      if (!Number.isNaN(x)) expect.fail(`${what} element ${i}: got ${x}, expected NaN`);
      continue;
    }
    if (x === y) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) expect.fail(`${what} element ${i}: got ${x}, expected ${y} (atol ${atol}, rtol ${rtol})`);
  }
}
