import type { Storage, TensorRef } from '../backend.js';
import type { DType, TypedArray } from '../dtype.js';
import { allocHost, f32ToHalfBits, halfBitsToF32, isHalf } from '../dtype.js';

/** cpu storage: f32 Float32Array, i32 Int32Array, u32 Uint32Array, bool Uint8Array, f16 / bf16 Uint16Array (raw bits). */
export class CpuStorage implements Storage {
  constructor(readonly data: TypedArray) {}
  get bytes(): number {
    return this.data.byteLength;
  }
}

/** allocHost's arrays, except that f16 / bf16 are stored as their raw bits. */
export function allocStorage(dtype: DType, size: number): TypedArray {
  return isHalf(dtype) ? new Uint16Array(size) : allocHost(dtype, size);
}

/** The values of a tensor as numbers (f16 / bf16 decoded), for kernels that compute in JS doubles. */
export function values(ref: TensorRef): ArrayLike<number> {
  const d = (ref.storage as CpuStorage).data;
  const dtype = ref.dtype;
  if (!isHalf(dtype)) return d;
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = halfBitsToF32(dtype, d[i]!);
  return out;
}

/** Wraps computed numbers as storage of dtype (encoding f16 / bf16, 0/1 for bool). */
export function fromValues(dtype: DType, vals: ArrayLike<number>): CpuStorage {
  const out = allocStorage(dtype, vals.length);
  if (isHalf(dtype)) for (let i = 0; i < vals.length; i++) out[i] = f32ToHalfBits(dtype, vals[i]!);
  else if (dtype === 'bool') for (let i = 0; i < vals.length; i++) out[i] = vals[i] ? 1 : 0;
  else out.set(vals as ArrayLike<number>);
  return new CpuStorage(out);
}

/** A fresh writable array of dtype's storage type; wrap it with `new CpuStorage`. */
export function output(dtype: DType, size: number): TypedArray {
  return allocStorage(dtype, size);
}
