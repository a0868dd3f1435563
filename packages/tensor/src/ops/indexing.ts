import type { DType } from '../dtype.js';
import { run1 } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { arange } from './creation.js';
import { eq } from './elementwise.js';
import { broadcastTo, expandDims } from './layout.js';
import { castRaw } from './util.js';

function checkIndices(op: string, idx: Tensor): void {
  if (idx.dtype !== 'i32' && idx.dtype !== 'u32') throw new TensorError(op, `indices must be i32 or u32, got ${idx.dtype}`);
}

/** Selects slices of x along axis: out = x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:]. */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  checkIndices('gather', indices);
  const a = normalizeAxis('gather', axis, x.rank);
  const idx = castRaw(indices, 'i32');
  const shape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  const y = run1('gather', [x, idx], { axis: a }, { shape, dtype: x.dtype });
  if (idx !== indices) idx.dispose();
  return y;
}

/** Like numpy take_along_axis: indices has x's rank; its other dims broadcast against x's. */
export function takeAlongAxis(x: Tensor, indices: Tensor, axis: number): Tensor {
  checkIndices('takeAlongAxis', indices);
  const a = normalizeAxis('takeAlongAxis', axis, x.rank);
  if (indices.rank !== x.rank) throw new TensorError('takeAlongAxis', `indices ${fmtShape(indices.shape)} must have the rank of x ${fmtShape(x.shape)}`);
  const target = x.shape.map((d, i) => (i === a ? indices.shape[a]! : d));
  for (let i = 0; i < x.rank; i++) {
    if (i !== a && indices.shape[i] !== x.shape[i] && indices.shape[i] !== 1) {
      throw new TensorError('takeAlongAxis', `indices ${fmtShape(indices.shape)} do not broadcast against x ${fmtShape(x.shape)} off axis ${a}`);
    }
  }
  const i32 = castRaw(indices, 'i32');
  const idx = broadcastTo(i32, target);
  const y = run1('takeAlongAxis', [x, idx], { axis: a }, { shape: target, dtype: x.dtype });
  if (i32 !== indices) i32.dispose();
  idx.dispose();
  return y;
}

/**
 * A copy of x with `values` written (mode 'set') or added (mode 'add') at `indices` along axis,
 * like numpy put_along_axis. With duplicate indices 'set' keeps the last value in index order and 'add' adds
 * them all, the same on every run (the cpu device sums in f64, webgpu in f32 in index order).
 */
export function putAlongAxis(x: Tensor, indices: Tensor, values: Tensor, axis: number, mode: 'set' | 'add' = 'set'): Tensor {
  checkIndices('putAlongAxis', indices);
  const a = normalizeAxis('putAlongAxis', axis, x.rank);
  if (indices.rank !== x.rank) throw new TensorError('putAlongAxis', `indices ${fmtShape(indices.shape)} must have the rank of x ${fmtShape(x.shape)}`);
  const target = x.shape.map((d, i) => (i === a ? indices.shape[a]! : d));
  const i32 = castRaw(indices, 'i32');
  const idx = broadcastTo(i32, target);
  const vc = castRaw(values, x.dtype);
  const v = broadcastTo(vc, target);
  const y = run1('putAlongAxis', [x, idx, v], { axis: a, mode }, { shape: x.shape, dtype: x.dtype });
  for (const t of [i32, vc]) if (t !== indices && t !== values) t.dispose();
  idx.dispose();
  v.dispose();
  return y;
}

/** putAlongAxis with mode 'set'. */
export const scatter = (x: Tensor, indices: Tensor, values: Tensor, axis: number) => putAlongAxis(x, indices, values, axis, 'set');
/** putAlongAxis with mode 'add' (duplicates accumulate). */
export const scatterAdd = (x: Tensor, indices: Tensor, values: Tensor, axis: number) => putAlongAxis(x, indices, values, axis, 'add');

/** One-hot encoding along a new last axis. */
export function oneHot(indices: Tensor, depth: number, dtype: DType = 'f32'): Tensor {
  checkIndices('oneHot', indices);
  const e = expandDims(indices, -1);
  const r = arange(0, depth, 1, indices.dtype, { device: indices.device });
  const b = eq(e, r);
  const y = castRaw(b, dtype);
  e.dispose();
  r.dispose();
  if (y !== b) b.dispose();
  return y;
}
