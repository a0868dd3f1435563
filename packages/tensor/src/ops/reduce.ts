import { isFloat, isHalf } from '../dtype.js';
import { run1 } from '../engine.js';
import type { ReduceOp } from '../primitives.js';
import { normalizeAxes, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { exp, log, sub, add, where, isFinite, div } from './elementwise.js';
import { castRaw, reshapeRaw } from './util.js';

export interface ReduceOptions {
  keepDims?: boolean;
}

function reduceOp(op: ReduceOp, x: Tensor, axes: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  const ax = normalizeAxes(op, axes, x.rank);
  // sums of bool/f16/bf16 accumulate in i32/f32; max/min of bool work on u32
  const compute = isHalf(x.dtype) ? 'f32' : x.dtype === 'bool' ? (op === 'sum' || op === 'prod' ? 'i32' : 'u32') : x.dtype;
  const xc = castRaw(x, compute);
  const kept = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  let y = ax.length === 0 ? reshapeRaw(xc, xc.shape) : run1('reduce', [xc], { op, axes: ax }, { shape: kept, dtype: compute });
  if (xc !== x) xc.dispose();
  const outDtype = isHalf(x.dtype) ? x.dtype : x.dtype === 'bool' && (op === 'max' || op === 'min') ? 'bool' : compute;
  if (outDtype !== compute) {
    const c = castRaw(y, outDtype);
    y.dispose();
    y = c;
  }
  if (keepDims) return y;
  const r = reshapeRaw(y, x.shape.filter((_, i) => !ax.includes(i)));
  y.dispose();
  return r;
}

export const sum = (x: Tensor, axes?: number | readonly number[], opts: ReduceOptions = {}) => reduceOp('sum', x, axes, !!opts.keepDims);
export const prod = (x: Tensor, axes?: number | readonly number[], opts: ReduceOptions = {}) => reduceOp('prod', x, axes, !!opts.keepDims);
export const max = (x: Tensor, axes?: number | readonly number[], opts: ReduceOptions = {}) => reduceOp('max', x, axes, !!opts.keepDims);
export const min = (x: Tensor, axes?: number | readonly number[], opts: ReduceOptions = {}) => reduceOp('min', x, axes, !!opts.keepDims);

export function mean(x: Tensor, axes?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  const ax = normalizeAxes('mean', axes, x.rank);
  const count = ax.reduce((n, a) => n * x.shape[a]!, 1);
  const s = sum(isFloat(x.dtype) ? x : castRaw(x, 'f32'), ax, opts);
  const y = div(s, count);
  s.dispose();
  return y;
}

/** True if any element along the axes is nonzero. */
export function any(x: Tensor, axes?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  const b = castRaw(x, 'bool');
  const y = max(b, axes, opts);
  if (b !== x) b.dispose();
  return y;
}

export function all(x: Tensor, axes?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  const b = castRaw(x, 'bool');
  const y = min(b, axes, opts);
  if (b !== x) b.dispose();
  return y;
}

function argOp(op: 'argmax' | 'argmin', x: Tensor, axis: number, keepDims: boolean): Tensor {
  const a = normalizeAxis(op, axis, x.rank);
  const compute = isHalf(x.dtype) ? 'f32' : x.dtype === 'bool' ? 'u32' : x.dtype;
  const xc = castRaw(x, compute);
  const kept = x.shape.map((d, i) => (i === a ? 1 : d));
  const y = run1('argReduce', [xc], { op, axis: a }, { shape: kept, dtype: 'i32' });
  if (xc !== x) xc.dispose();
  if (keepDims) return y;
  const r = reshapeRaw(y, x.shape.filter((_, i) => i !== a));
  y.dispose();
  return r;
}

/** Index of the largest value along axis (first one on ties). */
export const argmax = (x: Tensor, axis = -1, opts: ReduceOptions = {}) => argOp('argmax', x, axis, !!opts.keepDims);
export const argmin = (x: Tensor, axis = -1, opts: ReduceOptions = {}) => argOp('argmin', x, axis, !!opts.keepDims);

/** log(sum(exp(x))) computed stably (rows of all -Infinity give -Infinity). */
export function logSumExp(x: Tensor, axes?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  const m = max(x, axes, { keepDims: true });
  const finite = isFinite(m);
  const shift = where(finite, m, 0);
  const d = sub(x, shift);
  const e = exp(d);
  const s = sum(e, axes, { keepDims: true });
  const l = log(s);
  const y = add(l, shift);
  for (const t of [m, finite, d, e, s, l]) t.dispose();
  shift.dispose();
  if (opts.keepDims) return y;
  const ax = normalizeAxes('logSumExp', axes, x.rank);
  const r = reshapeRaw(y, x.shape.filter((_, i) => !ax.includes(i)));
  y.dispose();
  return r;
}
