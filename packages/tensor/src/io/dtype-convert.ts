/**
 * Conversions between safetensors dtypes (little-endian bytes) and tensor storage (`fromRaw` arrays,
 * `data()` arrays). No tensors here, only typed arrays.
 *
 * Reading:  F32 → f32 · F16 → f16 (raw bits kept) · BF16 → f32 (bits << 16, exact), or bf16 (raw bits kept)
 *           with `{ bf16: 'packed' }` · I32 → i32 ·
 *           I64 → i32 (an error names the first value outside the i32 range) · U32 → u32 ·
 *           U8 → u32 (lossless; the library has no 8-bit integer dtype) · BOOL → bool (any non-zero byte is 1).
 * Writing (defaults): f32 → F32 · f16 → F16 · bf16 → BF16 · i32 → I32 · u32 → U32 · bool → BOOL — all
 *           lossless, and each reads back as the dtype it was written from (bf16 with `{ bf16: 'packed' }`).
 * Writing (asked for): f32/f16/bf16 → F32, F16 or BF16 (round to nearest even) · i32 → I64 (sign-extended) ·
 *           u32 → I64 (zero-extended) or U8 (an error if a value exceeds 255) · bool → U8.
 */
import * as E from 'fp-ts/lib/Either.js';
import { f32ToBf16Bits, f32ToF16Bits, type DType, type TypedArray } from '../dtype.js';
import { SafetensorsError, safetensorsError } from './safetensors-error.js';
import { SAFETENSORS_DTYPE_SIZE, type SafetensorsDType } from './safetensors-format.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function assertLittleEndian(file: string): void {
  if (!LITTLE_ENDIAN) throw safetensorsError(file, 'safetensors I/O needs a little-endian host');
}

/**
 * How to read BF16: 'f32' (default) unpacks to f32 (exact, 4 bytes an element); 'packed' keeps the raw bits
 * as a bf16 tensor (2 bytes an element; matmul and embedding read it in place, other ops widen it to f32).
 */
export type Bf16Mode = 'f32' | 'packed';

export interface DecodeOptions {
  readonly bf16?: Bf16Mode;
}

/** The tensor dtype a safetensors dtype is read as. */
export function tensorDTypeFor(dtype: SafetensorsDType, options: DecodeOptions = {}): DType {
  switch (dtype) {
    case 'F32':
      return 'f32';
    case 'BF16':
      return options.bf16 === 'packed' ? 'bf16' : 'f32';
    case 'F16':
      return 'f16';
    case 'I32':
    case 'I64':
      return 'i32';
    case 'U32':
    case 'U8':
      return 'u32';
    case 'BOOL':
      return 'bool';
  }
}

/** The safetensors dtype a tensor dtype is written as unless another is asked for. */
export function defaultSafetensorsDType(dtype: DType): SafetensorsDType {
  switch (dtype) {
    case 'f32':
      return 'F32';
    case 'f16':
      return 'F16';
    case 'bf16':
      return 'BF16';
    case 'i32':
      return 'I32';
    case 'u32':
      return 'U32';
    case 'bool':
      return 'BOOL';
  }
}

/** The safetensors dtypes each tensor dtype may be written as. */
export const WRITABLE_AS: Readonly<Record<DType, readonly SafetensorsDType[]>> = Object.freeze({
  f32: ['F32', 'F16', 'BF16'],
  f16: ['F16', 'F32', 'BF16'],
  bf16: ['BF16', 'F32', 'F16'],
  i32: ['I32', 'I64'],
  u32: ['U32', 'I64', 'U8'],
  bool: ['BOOL', 'U8'],
});

/** A view of `bytes` as elements of `size` bytes, copying first if the bytes are not aligned to it. */
function aligned(bytes: Uint8Array, size: number): Uint8Array {
  return bytes.byteOffset % size === 0 ? bytes : bytes.slice();
}

/**
 * Converts one tensor's bytes to tensor storage (the array `fromRaw` takes). May return a view of `bytes`
 * (no copy) when the layouts agree.
 */
export function decodeTensorBytes(
  info: { readonly name: string; readonly dtype: SafetensorsDType },
  bytes: Uint8Array,
  file: string,
  options: DecodeOptions = {},
): E.Either<SafetensorsError, { data: TypedArray; dtype: DType }> {
  assertLittleEndian(file);
  const n = bytes.byteLength / SAFETENSORS_DTYPE_SIZE[info.dtype];
  if (!Number.isInteger(n)) return E.left(safetensorsError(file, `${bytes.byteLength} bytes is not a whole number of ${info.dtype} elements`, info.name));
  const b = aligned(bytes, SAFETENSORS_DTYPE_SIZE[info.dtype]);
  const dtype = tensorDTypeFor(info.dtype, options);
  switch (info.dtype) {
    case 'F32':
      return E.right({ data: new Float32Array(b.buffer, b.byteOffset, n), dtype });
    case 'F16':
      return E.right({ data: new Uint16Array(b.buffer, b.byteOffset, n), dtype });
    case 'BF16': {
      const src = new Uint16Array(b.buffer, b.byteOffset, n);
      if (dtype === 'bf16') return E.right({ data: src, dtype });
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = src[i]! << 16;
      return E.right({ data: new Float32Array(out.buffer), dtype });
    }
    case 'I32':
      return E.right({ data: new Int32Array(b.buffer, b.byteOffset, n), dtype });
    case 'I64': {
      const words = new Uint32Array(b.buffer, b.byteOffset, 2 * n);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const lo = words[2 * i]!;
        const hi = words[2 * i + 1]!;
        // Fits in i32 iff the high word is the sign extension of the low word.
        if (hi !== (lo & 0x80000000 ? 0xffffffff : 0)) {
          const value = BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
          return E.left(safetensorsError(file, `I64 value ${value} at index ${i} does not fit in i32 (the widest integer dtype here)`, info.name));
        }
        out[i] = lo | 0;
      }
      return E.right({ data: out, dtype });
    }
    case 'U32':
      return E.right({ data: new Uint32Array(b.buffer, b.byteOffset, n), dtype });
    case 'U8':
      return E.right({ data: Uint32Array.from(b), dtype });
    case 'BOOL':
      return E.right({ data: Uint8Array.from(b, (v) => (v ? 1 : 0)), dtype });
  }
}

const asBytes = (a: TypedArray): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Converts values as `Tensor.data()` returns them (Float32Array for f32, f16 and bf16, Int32Array, Uint32Array,
 * Uint8Array for bool) to little-endian bytes of `to`. Throws a SafetensorsError for a conversion that is not
 * allowed (see WRITABLE_AS) or a value that does not fit.
 */
export function encodeTensorValues(values: TypedArray, from: DType, to: SafetensorsDType, name: string, file: string): Uint8Array {
  assertLittleEndian(file);
  if (!WRITABLE_AS[from].includes(to)) {
    throw safetensorsError(file, `a ${from} tensor cannot be written as ${to} (choose one of ${WRITABLE_AS[from].join(', ')})`, name);
  }
  const n = values.length;
  switch (to) {
    case 'F32':
      return asBytes(values instanceof Float32Array ? values : Float32Array.from(values));
    case 'F16':
      return asBytes(Uint16Array.from(values, f32ToF16Bits));
    case 'BF16':
      return asBytes(Uint16Array.from(values, f32ToBf16Bits));
    case 'I32':
      return asBytes(values instanceof Int32Array ? values : Int32Array.from(values));
    case 'U32':
      return asBytes(values instanceof Uint32Array ? values : Uint32Array.from(values));
    case 'I64': {
      const out = new Uint32Array(2 * n);
      const signed = from === 'i32';
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        out[2 * i] = v >>> 0;
        out[2 * i + 1] = signed && v < 0 ? 0xffffffff : 0;
      }
      return asBytes(out);
    }
    case 'U8': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        if (v > 255) throw safetensorsError(file, `value ${v} at index ${i} does not fit in U8`, name);
        out[i] = v;
      }
      return out;
    }
    case 'BOOL':
      return Uint8Array.from(values, (v) => (v ? 1 : 0));
  }
}
