import type { Kernel } from '../backend.js';
import { stridesOf } from '../shape.js';
import { fromValues, values } from './storage.js';

/** Visits each output position of a keepDims reduction with the flat indices of its inputs. */
function reduceGroups(shape: readonly number[], axes: readonly number[], fn: (out: number, inputs: number[]) => void): void {
  const strides = stridesOf(shape);
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outSize = outShape.reduce((p, d) => p * d, 1);
  const redShape = axes.map((a) => shape[a]!);
  const redSize = redShape.reduce((p, d) => p * d, 1);
  const redOffsets: number[] = [];
  for (let r = 0; r < redSize; r++) {
    let rem = r;
    let off = 0;
    for (let k = axes.length - 1; k >= 0; k--) {
      const d = redShape[k]!;
      off += (rem % d) * strides[axes[k]!]!;
      rem = Math.floor(rem / d);
    }
    redOffsets.push(off);
  }
  const outStrides = stridesOf(outShape);
  for (let o = 0; o < outSize; o++) {
    let rem = o;
    let base = 0;
    for (let i = 0; i < shape.length; i++) {
      const idx = Math.floor(rem / outStrides[i]!);
      rem -= idx * outStrides[i]!;
      base += idx * strides[i]!;
    }
    fn(o, redOffsets.map((r) => base + r));
  }
}

export const reduce: Kernel<'reduce'> = ([x], { op, axes }, [out]) => {
  const v = values(x!);
  const n = out!.shape.reduce((p, d) => p * d, 1);
  const r = new Float64Array(n);
  reduceGroups(x!.shape, axes, (o, idx) => {
    let acc = op === 'sum' ? 0 : op === 'prod' ? 1 : op === 'max' ? -Infinity : Infinity;
    for (const i of idx) {
      const e = v[i]!;
      if (op === 'sum') acc += e;
      else if (op === 'prod') acc *= e;
      else if (Number.isNaN(e)) acc = NaN;
      else if (op === 'max') acc = acc > e || Number.isNaN(acc) ? acc : e;
      else acc = acc < e || Number.isNaN(acc) ? acc : e;
    }
    r[o] = acc;
  });
  return [fromValues(out!.dtype, r)];
};

export const argReduce: Kernel<'argReduce'> = ([x], { op, axis }, [out]) => {
  const v = values(x!);
  const n = out!.shape.reduce((p, d) => p * d, 1);
  const r = new Float64Array(n);
  reduceGroups(x!.shape, [axis], (o, idx) => {
    let best = 0;
    for (let k = 1; k < idx.length; k++) {
      const e = v[idx[k]!]!;
      const b = v[idx[best]!]!;
      if (op === 'argmax' ? e > b : e < b) best = k;
    }
    r[o] = best;
  });
  return [fromValues('i32', r)];
};
