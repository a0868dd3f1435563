import type { Kernel, TensorRef } from '../backend.js';
import { f32ToHalfBits, isHalf } from '../dtype.js';
import { broadcastStrides, stridesOf } from '../shape.js';
import { CpuStorage, output } from './storage.js';
import { forEachIndex, splitAt } from './indexer.js';

function raw(t: TensorRef) {
  return (t.storage as CpuStorage).data;
}

/** out[idx] = x[offset + Σ idx·strides], copying raw storage (exact for every dtype). */
function stridedCopy(x: TensorRef, outShape: readonly number[], strides: readonly number[], offset: number): CpuStorage {
  const src = raw(x);
  const dst = output(x.dtype, outShape.reduce((p, d) => p * d, 1));
  forEachIndex(outShape, [strides], (i, [o]) => {
    dst[i] = src[offset + o!]!;
  });
  return new CpuStorage(dst);
}

export const transpose: Kernel<'transpose'> = ([x], { perm }, [out]) => {
  const st = stridesOf(x!.shape);
  return [stridedCopy(x!, out!.shape, perm.map((p) => st[p]!), 0)];
};

export const slice: Kernel<'slice'> = ([x], { begin }, [out]) => {
  const st = stridesOf(x!.shape);
  const offset = begin.reduce((acc, b, i) => acc + b * st[i]!, 0);
  return [stridedCopy(x!, out!.shape, st, offset)];
};

export const broadcastTo: Kernel<'broadcastTo'> = ([x], { shape }) => [stridedCopy(x!, shape, broadcastStrides(x!.shape, shape), 0)];

export const pad: Kernel<'pad'> = ([x], { before, value }, [out]) => {
  const src = raw(x!);
  const n = out!.shape.reduce((p, d) => p * d, 1);
  const filled = (() => {
    const tmp = output(x!.dtype, 1);
    // fill value in storage encoding (f16 / bf16 are stored as bits)
    const dt = x!.dtype;
    if (isHalf(dt)) return f32ToHalfBits(dt, value);
    tmp[0] = x!.dtype === 'bool' ? +!!value : value;
    return tmp[0]!;
  })();
  const dst = output(x!.dtype, n).fill(filled);
  const outStrides = stridesOf(out!.shape);
  const offset = before.reduce((acc, b, i) => acc + b * outStrides[i]!, 0);
  forEachIndex(x!.shape, [outStrides], (i, [o]) => {
    dst[offset + o!] = src[i]!;
  });
  return [new CpuStorage(dst)];
};

export const concat: Kernel<'concat'> = (inputs, { axis }, [out]) => {
  const dst = output(out!.dtype, out!.shape.reduce((p, d) => p * d, 1));
  const [outer, total, inner] = splitAt(out!.shape, axis);
  let at = 0;
  for (const x of inputs) {
    const src = raw(x);
    const a = x.shape[axis]!;
    for (let o = 0; o < outer; o++) {
      dst.set(src.subarray(o * a * inner, (o + 1) * a * inner), (o * total + at) * inner);
    }
    at += a;
  }
  return [new CpuStorage(dst)];
};
