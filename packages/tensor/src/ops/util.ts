import type { DType } from '../dtype.js';
import { run1 } from '../engine.js';
import { TensorError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { scalar } from './creation.js';

/** A tensor or a JS number / boolean (numbers take the dtype of the tensor they meet, as in JAX). */
export type TensorLike = Tensor | number | boolean;

export function asTensor(x: TensorLike, like?: Tensor, op = 'op', device = like?.device): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'boolean') return scalar(x, 'bool', { device });
  if (typeof x !== 'number') throw new TensorError(op, `expected a Tensor or number, got ${typeof x}`);
  let dtype: DType = like?.dtype ?? 'f32';
  if (dtype === 'bool') dtype = Number.isInteger(x) ? 'i32' : 'f32';
  if ((dtype === 'i32' || dtype === 'u32') && !Number.isInteger(x)) dtype = 'f32';
  if (dtype === 'u32' && x < 0) dtype = 'i32';
  return scalar(x, dtype, { device });
}

/** Reshape through the primitive (shares storage; recorded for autograd). */
export function reshapeRaw(x: Tensor, shape: readonly number[]): Tensor {
  return run1('reshape', [x], { shape: [...shape] }, { shape: [...shape], dtype: x.dtype });
}

/** Prepends 1s so x has `rank` dims (no copy). */
export function toRank(x: Tensor, rank: number): Tensor {
  if (x.rank === rank) return x;
  return reshapeRaw(x, [...new Array<number>(rank - x.rank).fill(1), ...x.shape]);
}

export function castRaw(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return run1('cast', [x], { dtype }, { shape: x.shape, dtype });
}

/** Disposes intermediates created by an op (never its inputs or result). */
export function disposeTemps(temps: readonly Tensor[], keep: readonly Tensor[]): void {
  for (const t of temps) if (!keep.includes(t)) t.dispose();
}
