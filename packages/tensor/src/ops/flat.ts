import { getBackend, runPrimitive } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import { sizeOf } from '../shape.js';
import { DataRef, Tensor } from '../tensor.js';

/**
 * Elements from one segment start to the next in a flat buffer are rounded up to 64 f32 (256 bytes): WebGPU's
 * largest storage-offset alignment, so every segment can be bound on its own as a view.
 */
export const FLAT_ALIGNMENT = 64;

/** Where n tensors sit in one flat f32 buffer: segment i holds sizes[i] elements from offsets[i]; total ≥ the end. */
export interface FlatLayout {
  readonly offsets: readonly number[];
  readonly sizes: readonly number[];
  readonly total: number;
}

const align = (n: number) => Math.ceil(n / FLAT_ALIGNMENT) * FLAT_ALIGNMENT;

/** Segments in the given order, each starting at a multiple of FLAT_ALIGNMENT (an empty one still takes one block). */
export function flatLayout(sizes: readonly number[]): FlatLayout {
  const offsets: number[] = [];
  let total = 0;
  for (const n of sizes) {
    if (!Number.isInteger(n) || n < 0) throw new TensorError('flatLayout', `sizes must be non-negative integers, got ${n}`);
    offsets.push(total);
    total += align(Math.max(n, 1));
  }
  return { offsets, sizes: [...sizes], total };
}

/**
 * The tensors xs (f32) flattened into one f32 [total] at the layout's offsets, zeros between them (the `packFlat`
 * primitive, a few dispatches). When xs are already the views `flatViews` made of one tensor of this layout, that
 * tensor's memory is returned as is: no dispatch (its padding is whatever it holds). With `rows`, input i holds
 * rows[i] rows of its segment's size, summed into the segment (row 0 first).
 */
export function packFlat(xs: readonly Tensor[], layout: FlatLayout, options: { readonly rows?: readonly number[] } = {}): Tensor {
  if (xs.length === 0 || xs.length !== layout.sizes.length) {
    throw new TensorError('packFlat', `needs one tensor per segment (${layout.sizes.length}), got ${xs.length}`);
  }
  const rows = options.rows;
  if (rows && (rows.length !== xs.length || rows.some((r) => !Number.isInteger(r) || r < 1))) {
    throw new TensorError('packFlat', `rows must be one positive integer per input, got [${rows.join(', ')}]`);
  }
  xs.forEach((x, i) => {
    if (x.dtype !== 'f32') throw new TensorError('packFlat', `inputs must be f32, got ${x.dtype} ${fmtShape(x.shape)}`);
    const r = rows?.[i] ?? 1;
    if (x.size !== r * layout.sizes[i]!) throw new TensorError('packFlat', `input ${i} ${fmtShape(x.shape)} is not ${r} row(s) of segment ${i}'s ${layout.sizes[i]} elements`);
  });
  if (rows?.some((r) => r !== 1)) return runPrimitive('packFlat', xs, { offsets: [...layout.offsets], total: layout.total, rows: [...rows] }, [{ shape: [layout.total], dtype: 'f32' }])[0]!;
  const parent = xs[0]!.dataRef.parent;
  const shared =
    parent !== null &&
    parent.storage.bytes === layout.total * 4 &&
    xs.every((x, i) => x.dataRef.parent === parent && x.dataRef.offset === layout.offsets[i]);
  if (shared) return new Tensor(parent.retain(), [layout.total], 'f32');
  return runPrimitive('packFlat', xs, { offsets: [...layout.offsets], total: layout.total }, [{ shape: [layout.total], dtype: 'f32' }])[0]!;
}

/**
 * Tensors of the given shapes that share `flat`'s memory at the layout's offsets (no copy, no dispatch); `flat`
 * stays alive while any of them does. Autograd does not see them: they are for optimizer state and parameters
 * between steps, not for use inside a differentiated function.
 */
export function flatViews(flat: Tensor, layout: FlatLayout, shapes: readonly (readonly number[])[]): Tensor[] {
  if (flat.dtype !== 'f32' || flat.rank !== 1 || flat.size !== layout.total) {
    throw new TensorError('flatViews', `needs an f32 [${layout.total}] tensor, got ${flat.dtype} ${fmtShape(flat.shape)}`);
  }
  if (shapes.length !== layout.sizes.length) throw new TensorError('flatViews', `needs one shape per segment (${layout.sizes.length}), got ${shapes.length}`);
  const base = flat.dataRef.parent ?? flat.dataRef;
  const start = flat.dataRef.parent ? flat.dataRef.offset : 0;
  const backend = getBackend(flat.device);
  return shapes.map((shape, i) => {
    if (sizeOf(shape) !== layout.sizes[i]) throw new TensorError('flatViews', `shape ${fmtShape(shape)} does not fill segment ${i} of ${layout.sizes[i]} elements`);
    const offset = start + layout.offsets[i]!;
    const storage = backend.view(base.storage, offset * 4, Math.max(layout.sizes[i]!, 1) * 4);
    return new Tensor(new DataRef(backend, storage, base.retain(), offset), [...shape], 'f32');
  });
}
