import { stridesOf } from '../shape.js';

/**
 * Calls fn(outIndex, offsets...) for every element of outShape, where each offset is the
 * flat index into an input read with the given per-dim strides (0 on broadcast dims).
 */
export function forEachIndex(outShape: readonly number[], strides: readonly (readonly number[])[], fn: (i: number, offs: number[]) => void): void {
  const rank = outShape.length;
  let size = 1;
  for (const d of outShape) size *= d;
  if (size === 0) return;
  const idx = new Array<number>(rank).fill(0);
  const offs = strides.map(() => 0);
  for (let i = 0; i < size; i++) {
    fn(i, offs);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < strides.length; k++) offs[k]! += strides[k]![d]!;
      if (idx[d]! < outShape[d]!) break;
      for (let k = 0; k < strides.length; k++) offs[k]! -= strides[k]![d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

/** Splits a shape at `axis` into [outer, axisSize, inner]. */
export function splitAt(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[axis]!, inner];
}

export { stridesOf };
