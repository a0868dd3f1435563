import type { DeviceName } from '../backend.js';
import { allocHost, f32ToHalfBits, isHalf, type DType, type TypedArray } from '../dtype.js';
import { getBackend, getDefaultDevice, run1 } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import { checkShape, sizeOf, type Shape } from '../shape.js';
import { DataRef, Tensor } from '../tensor.js';

export interface CreateOptions {
  device?: DeviceName;
}

export type NestedArray = number | boolean | readonly NestedArray[];

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let d: NestedArray = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    d = d[0] as NestedArray;
  }
  return shape;
}

function flatten(data: NestedArray, out: number[]): void {
  if (Array.isArray(data)) for (const v of data) flatten(v as NestedArray, out);
  else out.push(typeof data === 'boolean' ? +data : (data as number));
}

function defaultDType(data: unknown): DType {
  if (data instanceof Int32Array) return 'i32';
  if (data instanceof Uint32Array) return 'u32';
  if (data instanceof Uint8Array) return 'bool';
  return 'f32';
}

/** Encodes numbers in the storage format of dtype (f16 / bf16 as raw bits, bool as 0/1 bytes). */
function toStorageArray(values: ArrayLike<number>, dtype: DType): TypedArray {
  if (isHalf(dtype)) return Uint16Array.from(values as ArrayLike<number>, (v) => f32ToHalfBits(dtype, v));
  if (dtype === 'bool') return Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0));
  const out = allocHost(dtype, values.length);
  out.set(values);
  return out;
}

/**
 * A tensor from nested arrays, a flat array with a shape, a typed array, or a scalar.
 * dtype defaults to f32 (i32 for Int32Array, u32 for Uint32Array, bool for Uint8Array / booleans).
 */
export function tensor(data: NestedArray | TypedArray | readonly number[], shape?: Shape, dtype?: DType, options: CreateOptions = {}): Tensor {
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (ArrayBuffer.isView(data)) {
    flat = data as TypedArray;
    inferred = [flat.length];
  } else {
    inferred = inferShape(data as NestedArray);
    const list: number[] = [];
    flatten(data as NestedArray, list);
    flat = list;
  }
  const dt = dtype ?? (typeof data === 'boolean' || (Array.isArray(data) && containsBoolean(data)) ? 'bool' : defaultDType(data));
  const sh = shape ? [...shape] : inferred;
  checkShape('tensor', sh);
  if (sizeOf(sh) !== flat.length) {
    throw new TensorError('tensor', `${flat.length} values do not fill shape ${fmtShape(sh)}`);
  }
  return fromRaw(toStorageArray(flat, dt), sh, dt, options);
}

function containsBoolean(data: readonly unknown[]): boolean {
  let d: unknown = data;
  while (Array.isArray(d)) d = d[0];
  return typeof d === 'boolean';
}

/**
 * A tensor from data already in storage format: Float32Array (f32), Uint16Array of raw bits (f16, bf16),
 * Int32Array (i32), Uint32Array (u32), Uint8Array of 0/1 (bool). No conversion, one upload.
 */
export function fromRaw(data: TypedArray, shape: Shape, dtype: DType, options: CreateOptions = {}): Tensor {
  checkShape('fromRaw', shape);
  if (sizeOf(shape) !== data.length) throw new TensorError('fromRaw', `${data.length} values do not fill shape ${fmtShape(shape)}`);
  const backend = getBackend(options.device ?? getDefaultDevice());
  return new Tensor(new DataRef(backend, backend.upload(data, dtype)), [...shape], dtype);
}

export function scalar(value: number | boolean, dtype?: DType, options: CreateOptions = {}): Tensor {
  return tensor(value, [], dtype ?? (typeof value === 'boolean' ? 'bool' : 'f32'), options);
}

export function full(shape: Shape, value: number | boolean, dtype: DType = typeof value === 'boolean' ? 'bool' : 'f32', options: CreateOptions = {}): Tensor {
  checkShape('full', shape);
  return run1('fill', [], { value: +value }, { shape: [...shape], dtype }, options.device);
}

export function zeros(shape: Shape, dtype: DType = 'f32', options: CreateOptions = {}): Tensor {
  return full(shape, 0, dtype, options);
}

export function ones(shape: Shape, dtype: DType = 'f32', options: CreateOptions = {}): Tensor {
  return full(shape, 1, dtype, options);
}

export function fullLike(x: Tensor, value: number | boolean, dtype: DType = x.dtype): Tensor {
  return full(x.shape, value, dtype, { device: x.device });
}

export function zerosLike(x: Tensor, dtype: DType = x.dtype): Tensor {
  return full(x.shape, 0, dtype, { device: x.device });
}

export function onesLike(x: Tensor, dtype: DType = x.dtype): Tensor {
  return full(x.shape, 1, dtype, { device: x.device });
}

/** Values start, start+step, ... below stop (numpy semantics; `arange(n)` is 0..n-1). dtype i32 unless given. */
export function arange(start: number, stop?: number, step = 1, dtype: DType = 'i32', options: CreateOptions = {}): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0) throw new TensorError('arange', 'step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  return run1('arange', [], { start, step }, { shape: [n], dtype }, options.device);
}

/** Copies a tensor to another device (reads it back and uploads it). */
export async function toDevice(x: Tensor, device: DeviceName): Promise<Tensor> {
  if (x.device === device) return run1('reshape', [x], { shape: [...x.shape] }, { shape: x.shape, dtype: x.dtype });
  const host = await x.data();
  return tensor(host as TypedArray, x.shape, x.dtype, { device });
}
