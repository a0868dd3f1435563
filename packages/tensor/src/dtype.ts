/**
 * Element types. f16 and bf16 are storage types (two per 32-bit word on a GPU): arithmetic on them runs in
 * f32 and is rounded back. bf16 is how 8B-class checkpoints ship; keeping it packed halves their memory.
 */
export type DType = 'f32' | 'i32' | 'u32' | 'f16' | 'bf16' | 'bool';

export const DTYPES: readonly DType[] = ['f32', 'i32', 'u32', 'f16', 'bf16', 'bool'];

/** A 16-bit float storage dtype (f16 or bf16). */
export type HalfDType = 'f16' | 'bf16';

/** True for the 16-bit float storage dtypes (f16, bf16), which compute in f32. */
export function isHalf(dtype: DType): dtype is HalfDType {
  return dtype === 'f16' || dtype === 'bf16';
}

/** What `data()` returns for each dtype (f16 and bf16 are decoded to f32; Node 20 has no Float16Array). */
export type DataType<D extends DType = DType> = D extends 'f32' | 'f16' | 'bf16'
  ? Float32Array
  : D extends 'i32'
    ? Int32Array
    : D extends 'u32'
      ? Uint32Array
      : Uint8Array;

export type TypedArray = Float32Array | Int32Array | Uint32Array | Uint8Array | Uint16Array;

/** Bytes one element takes in device storage. */
export function byteSize(dtype: DType): number {
  switch (dtype) {
    case 'f16':
    case 'bf16':
      return 2;
    case 'bool':
      return 1;
    default:
      return 4;
  }
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'f32' || dtype === 'f16' || dtype === 'bf16';
}

export function isIntegral(dtype: DType): boolean {
  return dtype === 'i32' || dtype === 'u32' || dtype === 'bool';
}

/**
 * Result dtype of a binary arithmetic op, numpy-like but with a 32-bit lattice: bool < u32 < i32 < f16, bf16 <
 * f32; f16 with bf16 gives f32 (neither holds the other, as in JAX).
 */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (isHalf(a) && isHalf(b)) return 'f32';
  const rank: Record<DType, number> = { bool: 0, u32: 1, i32: 2, f16: 3, bf16: 3, f32: 4 };
  return rank[a] >= rank[b] ? a : b;
}

/** Allocates the host array that holds `size` elements of `dtype` as returned by `data()`. */
export function allocHost(dtype: DType, size: number): DataType {
  switch (dtype) {
    case 'f32':
    case 'f16':
    case 'bf16':
      return new Float32Array(size);
    case 'i32':
      return new Int32Array(size);
    case 'u32':
      return new Uint32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

// ---- IEEE half precision <-> single precision (round to nearest even) ----
const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

export function f32ToF16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow -> signed zero
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++; // may carry into the exponent: still correct
  return sign | half;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** bfloat16 bits (upper half of an f32) to a number. */
export function bf16BitsToF32(h: number): number {
  u32Scratch[0] = (h & 0xffff) << 16;
  return f32Scratch[0]!;
}

/** f32 to bfloat16 bits, round to nearest even (NaN stays NaN). */
export function f32ToBf16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40;
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/** The 16 bits of a half dtype (f16 or bf16) to a number. */
export function halfBitsToF32(dtype: HalfDType, h: number): number {
  return dtype === 'f16' ? f16BitsToF32(h) : bf16BitsToF32(h);
}

/** A number to the 16 bits of a half dtype (f16 or bf16), round to nearest even. */
export function f32ToHalfBits(dtype: HalfDType, value: number): number {
  return dtype === 'f16' ? f32ToF16Bits(value) : f32ToBf16Bits(value);
}
