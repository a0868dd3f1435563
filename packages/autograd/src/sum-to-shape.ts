import { reshape, sum, type Shape, type Tensor } from '@mmada/tensor';

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Sums a broadcast cotangent down to `shape`: leading extra axes are summed away, and axes where
 * `shape` has 1 but the cotangent does not are summed with the size-1 axis kept.
 * Returns `ct` itself when the shapes already agree.
 */
export function sumToShape(ct: Tensor, shape: Shape): Tensor {
  if (shapesEqual(ct.shape, shape)) return ct;
  const lead = ct.rank - shape.length;
  if (lead < 0) throw new Error(`autograd: cotangent ${JSON.stringify(ct.shape)} has lower rank than its input ${JSON.stringify(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < ct.rank; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && ct.shape[i] !== 1) axes.push(i);
    else if (shape[i - lead] !== ct.shape[i]) {
      throw new Error(`autograd: cotangent ${JSON.stringify(ct.shape)} does not broadcast to input ${JSON.stringify(shape)}`);
    }
  }
  const summed = axes.length > 0 ? sum(ct, axes, { keepDims: true }) : ct;
  const out = reshape(summed, shape);
  if (summed !== ct) summed.dispose();
  return out;
}
