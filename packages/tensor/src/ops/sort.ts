import { isHalf } from '../dtype.js';
import { runPrimitive } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { castRaw } from './util.js';

function checkLastAxis(op: string, x: Tensor): void {
  if (x.rank === 0) throw new TensorError(op, 'needs at least one dimension');
}

function sortBoth(x: Tensor, descending: boolean): [Tensor, Tensor] {
  checkLastAxis('sort', x);
  const xc = castRaw(x, isHalf(x.dtype) ? 'f32' : x.dtype === 'bool' ? 'u32' : x.dtype);
  const [v, i] = runPrimitive('sort', [xc], { descending }, [
    { shape: x.shape, dtype: xc.dtype },
    { shape: x.shape, dtype: 'i32' },
  ]) as [Tensor, Tensor];
  if (xc !== x) xc.dispose();
  return [v, i];
}

/** Values sorted along the last axis (stable). */
export function sort(x: Tensor, opts: { descending?: boolean } = {}): Tensor {
  const [v, i] = sortBoth(x, !!opts.descending);
  i.dispose();
  return v;
}

/** Indices that sort the last axis (stable: equal values keep their order). */
export function argsort(x: Tensor, opts: { descending?: boolean } = {}): Tensor {
  const [v, i] = sortBoth(x, !!opts.descending);
  v.dispose();
  return i;
}

/** The k largest values along the last axis and their indices (ties: lower index first). */
export function topk(x: Tensor, k: number): { values: Tensor; indices: Tensor } {
  checkLastAxis('topk', x);
  const n = x.shape[x.rank - 1]!;
  if (!Number.isInteger(k) || k < 0 || k > n) throw new TensorError('topk', `k = ${k} is out of range for ${fmtShape(x.shape)}`);
  const xc = castRaw(x, isHalf(x.dtype) ? 'f32' : x.dtype === 'bool' ? 'u32' : x.dtype);
  const shape = [...x.shape.slice(0, -1), k];
  const [values, indices] = runPrimitive('topk', [xc], { k }, [
    { shape, dtype: xc.dtype },
    { shape, dtype: 'i32' },
  ]) as [Tensor, Tensor];
  if (xc !== x) xc.dispose();
  return { values, indices };
}
