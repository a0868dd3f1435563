import { run1 } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import { broadcastShapes, normalizeAxes, normalizeAxis, shapesEqual, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { reshapeRaw, toRank } from './util.js';

/** New shape with the same elements; one dim may be -1. Shares storage (no copy). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const s = [...shape];
  const unknown = s.indexOf(-1);
  if (unknown >= 0) {
    const known = sizeOf(s.filter((_, i) => i !== unknown));
    if (s.lastIndexOf(-1) !== unknown || known === 0 || x.size % known !== 0) {
      throw new TensorError('reshape', `cannot reshape ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
    }
    s[unknown] = x.size / known;
  }
  if (sizeOf(s) !== x.size || s.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new TensorError('reshape', `cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`);
  }
  return reshapeRaw(x, s);
}

/** Permutes axes (default: reverses them). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? perm.map((a) => normalizeAxis('transpose', a, x.rank)) : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || new Set(p).size !== p.length) {
    throw new TensorError('transpose', `perm [${perm?.join(', ')}] is not a permutation of ${x.rank} axes`);
  }
  if (p.every((a, i) => a === i)) return reshapeRaw(x, x.shape);
  return run1('transpose', [x], { perm: p }, { shape: p.map((a) => x.shape[a]!), dtype: x.dtype });
}

/** Swaps two axes. */
export function swapAxes(x: Tensor, a: number, b: number): Tensor {
  const perm = x.shape.map((_, i) => i);
  const i = normalizeAxis('swapAxes', a, x.rank);
  const j = normalizeAxis('swapAxes', b, x.rank);
  [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  return transpose(x, perm);
}

export function expandDims(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis('expandDims', axis, x.rank + 1);
  const s = [...x.shape];
  s.splice(a, 0, 1);
  return reshapeRaw(x, s);
}

/** Removes size-1 axes (all of them, or those given). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  const ax = axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axes, x.rank);
  for (const a of ax) if (x.shape[a] !== 1) throw new TensorError('squeeze', `axis ${a} of ${fmtShape(x.shape)} is not 1`);
  return reshapeRaw(x, x.shape.filter((_, i) => !ax.includes(i)));
}

export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  const target = broadcastShapes('broadcastTo', x.shape, shape);
  if (!shapesEqual(target, shape)) throw new TensorError('broadcastTo', `cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  const xr = toRank(x, shape.length);
  if (shapesEqual(xr.shape, shape)) return xr === x ? reshapeRaw(x, x.shape) : xr;
  const y = run1('broadcastTo', [xr], { shape: [...shape] }, { shape: [...shape], dtype: x.dtype });
  if (xr !== x) xr.dispose();
  return y;
}

/**
 * x[begin : begin + size] on each axis. begin may be negative (from the end); size -1 means "to the end".
 * Missing trailing axes are taken whole.
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  if (begin.length > x.rank) throw new TensorError('slice', `begin has ${begin.length} entries for shape ${fmtShape(x.shape)}`);
  const b = x.shape.map((d, i) => {
    const v = begin[i] ?? 0;
    return v < 0 ? v + d : v;
  });
  const s = x.shape.map((d, i) => {
    const v = size?.[i] ?? -1;
    return v === -1 ? d - b[i]! : v;
  });
  for (let i = 0; i < x.rank; i++) {
    if (b[i]! < 0 || s[i]! < 0 || b[i]! + s[i]! > x.shape[i]!) {
      throw new TensorError('slice', `begin [${begin.join(', ')}] size [${(size ?? []).join(', ')}] out of bounds for ${fmtShape(x.shape)}`);
    }
  }
  if (s.every((d, i) => d === x.shape[i])) return reshapeRaw(x, x.shape);
  return run1('slice', [x], { begin: b, size: s }, { shape: s, dtype: x.dtype });
}

/** x[..., start:end, ...] on one axis (python-style negative indices). */
export function sliceAxis(x: Tensor, axis: number, start: number, end?: number): Tensor {
  const a = normalizeAxis('sliceAxis', axis, x.rank);
  const d = x.shape[a]!;
  const lo = Math.min(d, Math.max(0, start < 0 ? start + d : start));
  const hi = Math.min(d, Math.max(lo, end === undefined ? d : end < 0 ? end + d : end));
  const begin = x.shape.map(() => 0);
  const size = [...x.shape];
  begin[a] = lo;
  size[a] = hi - lo;
  return slice(x, begin, size);
}

export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new TensorError('concat', 'needs at least one tensor');
  const first = xs[0]!;
  const a = normalizeAxis('concat', axis, first.rank);
  for (const t of xs) {
    if (t.rank !== first.rank || t.dtype !== first.dtype || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new TensorError('concat', `shapes ${xs.map((x) => `${fmtShape(x.shape)} ${x.dtype}`).join(', ')} differ off axis ${a}`);
    }
  }
  if (xs.length === 1) return reshapeRaw(first, first.shape);
  const shape = [...first.shape];
  shape[a] = xs.reduce((n, t) => n + t.shape[a]!, 0);
  return run1('concat', xs, { axis: a }, { shape, dtype: first.dtype });
}

export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new TensorError('stack', 'needs at least one tensor');
  const a = normalizeAxis('stack', axis, xs[0]!.rank + 1);
  const expanded = xs.map((x) => expandDims(x, a));
  const y = concat(expanded, a);
  for (const e of expanded) e.dispose();
  return y;
}

/** Splits into `n` equal parts or parts of the given sizes along axis. */
export function split(x: Tensor, sections: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis('split', axis, x.rank);
  const d = x.shape[a]!;
  let sizes: number[];
  if (typeof sections === 'number') {
    if (d % sections !== 0) throw new TensorError('split', `axis ${a} of ${fmtShape(x.shape)} does not split into ${sections} equal parts`);
    sizes = new Array<number>(sections).fill(d / sections);
  } else sizes = [...sections];
  if (sizes.reduce((s, v) => s + v, 0) !== d) throw new TensorError('split', `sizes [${sizes.join(', ')}] do not sum to ${d}`);
  let at = 0;
  return sizes.map((s) => {
    const y = sliceAxis(x, a, at, at + s);
    at += s;
    return y;
  });
}

/** Constant padding: pads[i] = [before, after] for axis i (missing axes unpadded). */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  if (pads.length > x.rank) throw new TensorError('pad', `${pads.length} pad pairs for shape ${fmtShape(x.shape)}`);
  const before = x.shape.map((_, i) => pads[i]?.[0] ?? 0);
  const after = x.shape.map((_, i) => pads[i]?.[1] ?? 0);
  if ([...before, ...after].some((v) => !Number.isInteger(v) || v < 0)) throw new TensorError('pad', 'pads must be non-negative integers');
  const shape = x.shape.map((d, i) => d + before[i]! + after[i]!);
  return run1('pad', [x], { before, after, value }, { shape, dtype: x.dtype });
}

/** Repeats x reps[i] times along axis i (numpy tile). */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  const rank = Math.max(x.rank, reps.length);
  const r = [...new Array<number>(rank - reps.length).fill(1), ...reps];
  const xr = toRank(x, rank);
  // [d0, d1, ...] -> [1, d0, 1, d1, ...] broadcast to [r0, d0, r1, d1, ...] -> [r0*d0, ...]
  const inter = xr.shape.flatMap((d) => [1, d]);
  const target = xr.shape.flatMap((d, i) => [r[i]!, d]);
  const a = reshapeRaw(xr, inter);
  const b = broadcastTo(a, target);
  const y = reshape(b, xr.shape.map((d, i) => d * r[i]!));
  if (xr !== x) xr.dispose();
  a.dispose();
  b.dispose();
  return y;
}

/** Flattens to one dimension. */
export function flatten(x: Tensor): Tensor {
  return reshapeRaw(x, [x.size]);
}
