import { isFloat, isHalf } from '../dtype.js';
import { TensorError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { castRaw } from './util.js';

/** The f32 view of a float input (f16 / bf16 are cast, f32 passes through); other dtypes are an error naming `what`. */
export function floatInput(op: string, what: string, x: Tensor): Tensor {
  if (!isFloat(x.dtype)) throw new TensorError(op, `${what} must be f32, f16 or bf16, got ${x.dtype}`);
  return castRaw(x, 'f32');
}

/** Casts an f32 result back to the dtype of the op's main input (f16 in, f16 out; bf16 likewise). */
export function resultLike(y: Tensor, dtype: Tensor['dtype']): Tensor {
  if (!isHalf(dtype)) return y;
  const r = castRaw(y, dtype);
  y.dispose();
  return r;
}

/** Disposes the casts an op made (never its own inputs). */
export function releaseTemps(temps: readonly Tensor[], inputs: readonly (Tensor | null | undefined)[]): void {
  for (const t of temps) if (!inputs.includes(t)) t.dispose();
}
