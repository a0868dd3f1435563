import { isHalf, type DType, type HalfDType } from '../../dtype.js';

/** Workgroup size of the 1-D elementwise-style kernels. */
export const WG = 256;

/** WGSL element type of a 32-bit storage array for a dtype (bool is u32 0/1; f16 / bf16 are packed pairs in u32). */
export function storageType(dtype: DType): 'f32' | 'i32' | 'u32' {
  switch (dtype) {
    case 'f32':
      return 'f32';
    case 'i32':
      return 'i32';
    default:
      return 'u32';
  }
}

/** Bytes of device storage for `size` elements: 4 per element, f16 / bf16 packed 2 per 4-byte word. */
export function deviceBytes(dtype: DType, size: number): number {
  return isHalf(dtype) ? Math.ceil(size / 2) * 4 : size * 4;
}

/** The WGSL function (of F16_FNS) that widens the 16 bits of a half dtype to f32. */
export function halfToF32Fn(dtype: HalfDType): string {
  return dtype === 'f16' ? 'f16bits_to_f32' : 'bf16bits_to_f32';
}

/** The WGSL function (of F16_FNS) that rounds an f32 to the 16 bits of a half dtype (nearest even). */
export function f32ToHalfFn(dtype: HalfDType): string {
  return dtype === 'f16' ? 'f32_to_f16bits' : 'f32_to_bf16bits';
}

/** The uniform struct (metadata words as vec4s) and the accessor `m(i)`. `words` is the metadata length. */
export function metaDecl(binding: number, words: number): string {
  const n = Math.max(1, Math.ceil(words / 4));
  return `struct Meta { v: array<vec4<u32>, ${n}> }
@group(0) @binding(${binding}) var<uniform> u_meta: Meta;
fn m(i: u32) -> u32 { return u_meta.v[i >> 2u][i & 3u]; }
fn mf(i: u32) -> f32 { return bitcast<f32>(m(i)); }
fn mi(i: u32) -> i32 { return bitcast<i32>(m(i)); }
`;
}

/** Builds the u32 metadata words of a dispatch. */
export class Meta {
  private readonly words: number[] = [];
  private static readonly f = new Float32Array(1);
  private static readonly u = new Uint32Array(Meta.f.buffer);

  get length(): number {
    return this.words.length;
  }
  u32(...values: number[]): this {
    for (const v of values) this.words.push(v >>> 0);
    return this;
  }
  i32(...values: number[]): this {
    for (const v of values) this.words.push(v | 0);
    return this;
  }
  f32(...values: number[]): this {
    for (const v of values) {
      Meta.f[0] = v;
      this.words.push(Meta.u[0]!);
    }
    return this;
  }
  array(): Uint32Array {
    return Uint32Array.from(this.words, (w) => w >>> 0);
  }
}

/** Entry point header of a 1-D kernel: `i` is the linear invocation index over a (possibly 2-D) grid. */
export function main1d(body: string, wg = WG): string {
  return `@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * (nwg.x * ${wg}u);
${body}
}
`;
}

/**
 * WGSL that decomposes linear index `idx` over a shape stored in meta words [shapeAt, shapeAt + rank) and
 * accumulates `sum_d coord_d * stride_d` into each named offset variable (strides at the given meta offsets).
 * Declares `var <name>: u32` for every offset.
 */
export function stridedOffsets(idx: string, rank: number, shapeAt: number, offsets: { name: string; stridesAt: number; init?: string }[], tag = ''): string {
  const lines: string[] = [];
  for (const o of offsets) lines.push(`  var ${o.name}: u32 = ${o.init ?? '0u'};`);
  if (rank === 0) return lines.join('\n');
  lines.push(`  var rem${tag}: u32 = ${idx};`);
  for (let d = rank - 1; d >= 0; d--) {
    if (d > 0) {
      lines.push(`  { let dim = m(${shapeAt + d}u); let c = rem${tag} % dim; rem${tag} = rem${tag} / dim;`);
    } else {
      lines.push(`  { let c = rem${tag};`);
    }
    for (const o of offsets) lines.push(`    ${o.name} = ${o.name} + c * m(${o.stridesAt + d}u);`);
    lines.push('  }');
  }
  return lines.join('\n');
}

/** WGSL conversion of an expression of compute type `from` into the storage type of dtype `to`. */
export function convert(expr: string, from: 'f32' | 'i32' | 'u32' | 'bool', to: DType): string {
  const st = to === 'bool' ? 'bool' : storageType(to);
  if (st === 'bool') {
    if (from === 'bool') return `select(0u, 1u, ${expr})`;
    const zero = from === 'f32' ? '0.0' : from === 'i32' ? '0i' : '0u';
    return `select(0u, 1u, (${expr}) != ${zero})`;
  }
  if (from === 'bool') return `select(${st}(0), ${st}(1), ${expr})`;
  if (from === st) return `(${expr})`;
  if ((from === 'i32' && st === 'u32') || (from === 'u32' && st === 'i32')) return `bitcast<${st}>(${expr})`;
  return `${st}(${expr})`;
}

/**
 * Exact f16 <-> f32 and bf16 <-> f32 conversions (round to nearest even, overflow to inf, NaN stays NaN),
 * matching dtype.ts bit for bit.
 */
export const F16_FNS = /* wgsl */ `
fn bf16bits_to_f32(h: u32) -> f32 { return bitcast<f32>(h << 16u); }
fn f32_to_bf16bits(v: f32) -> u32 {
  let x = bitcast<u32>(v);
  if ((x & 0x7f800000u) == 0x7f800000u && (x & 0x7fffffu) != 0u) { return (x >> 16u) | 0x40u; }
  return ((x + 0x7fffu + ((x >> 16u) & 1u)) >> 16u) & 0xffffu;
}
fn f16bits_to_f32(h: u32) -> f32 {
  let s = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let mant = h & 0x3ffu;
  if (e == 0u) {
    let v = f32(mant) * 5.9604644775390625e-8;
    return select(v, -v, s != 0u);
  }
  if (e == 0x1fu) { return bitcast<f32>(s | 0x7f800000u | (mant << 13u)); }
  return bitcast<f32>(s | ((e + 112u) << 23u) | (mant << 13u));
}
fn f32_to_f16bits(v: f32) -> u32 {
  let x = bitcast<u32>(v);
  let sign = (x >> 16u) & 0x8000u;
  let ex = (x >> 23u) & 0xffu;
  var mant = x & 0x7fffffu;
  if (ex == 0xffu) { return sign | 0x7c00u | select(0u, 0x200u, mant != 0u); }
  let e = i32(ex) - 127 + 15;
  if (e >= 0x1f) { return sign | 0x7c00u; }
  if (e <= 0) {
    if (e < -10) { return sign; }
    mant = mant | 0x800000u;
    let shift = u32(14 - e);
    var half = mant >> shift;
    let rem = mant & ((1u << shift) - 1u);
    let mid = 1u << (shift - 1u);
    if (rem > mid || (rem == mid && (half & 1u) != 0u)) { half = half + 1u; }
    return sign | half;
  }
  var half = (u32(e) << 10u) | (mant >> 13u);
  let rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1u) != 0u)) { half = half + 1u; }
  return sign | half;
}
`;

/**
 * f32 +-infinity, NaN and integer extremes as WGSL expressions. Infinities are read from private variables so
 * they are not const-expressions (a const-expression that evaluates to inf is a shader-creation error);
 * include CONSTS in any shader that uses POS_INF / NEG_INF / NAN.
 *
 * WGSL lets an implementation assume that no infinity or NaN occurs at runtime, so no kernel relies on an
 * infinity to be correct: reductions start from an element of their own row, masked entries are recognised
 * by explicit flags or comparisons that stay true for finite sentinels, and POS_INF / NEG_INF appear only
 * where infinity is the result itself (an empty max, 0^-1). With finite sentinels on (Runtime option
 * `finiteSentinels`, or MMADA_WGSL_FINITE_SENTINELS=1) the runtime swaps CONSTS for FINITE_CONSTS, so those
 * results become +-F32_MAX, and every infinity uploaded or filled becomes +-F32_MAX as well: the kernels then
 * never see an infinity at all.
 */
export const CONSTS =
  'var<private> pinf_bits: u32 = 0x7f800000u;\nvar<private> ninf_bits: u32 = 0xff800000u;\nvar<private> nan_bits: u32 = 0x7fc00000u;\n';
/** CONSTS with the infinities replaced by the largest finite f32 (the finite-sentinel build). */
export const FINITE_CONSTS =
  'var<private> pinf_bits: u32 = 0x7f7fffffu;\nvar<private> ninf_bits: u32 = 0xff7fffffu;\nvar<private> nan_bits: u32 = 0x7fc00000u;\n';
export const POS_INF = 'bitcast<f32>(pinf_bits)';
export const NEG_INF = 'bitcast<f32>(ninf_bits)';
export const NAN = 'bitcast<f32>(nan_bits)';
/** The largest finite f32 as a WGSL literal. */
export const F32_MAX = '3.4028234663852886e38';

/** True when MMADA_WGSL_FINITE_SENTINELS asks for the finite-sentinel build (the default of Runtime's option). */
export function finiteSentinelsFromEnv(): boolean {
  const v = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.MMADA_WGSL_FINITE_SENTINELS;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/**
 * exp(x - mx) for an element x of a row whose maximum is mx, with an element equal to the maximum counted as
 * exactly 1: exact ties stay exact whatever the driver's exp(0) is, and a row whose maximum is infinite (every
 * entry masked with -inf, or a +inf entry) needs no inf - inf. Include in a shader as WGSL.
 */
export const EXP_SHIFTED = /* wgsl */ `
fn exp_shifted(x: f32, mx: f32) -> f32 { return select(exp(x - mx), 1.0, x == mx); }
fn shifted(x: f32, mx: f32) -> f32 { return select(x - mx, 0.0, x == mx); }
`;

export const I32_MIN = 'i32(-2147483647 - 1)';
export const I32_MAX = '2147483647i';
export const U32_MAX = '0xffffffffu';

export function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}
