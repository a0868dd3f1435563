import type { TensorRef } from '../../backend.js';
import type { PrimitiveParams } from '../../primitives.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { Meta } from './common.js';
import { conv2dRows, forwardRowsApply } from './conv-rows.js';
import { dispatchGemm, memoryOperand, type GemmOperand } from './gemm.js';

/**
 * conv2d. A 3-wide kernel at stride 1 on enough output rows of a multiple of 8 pixels runs by rows (conv-rows.ts);
 * a 1×1 convolution is a matmul per image; anything else is an implicit GEMM on the GEMM generator (gemm.ts):
 * out[o, col] = Σ_k w[o, k] · patch[k, col] with k = (c, u, v) and col = (n, i, j). The weight [O, C·kh·kw] is already a row-major matrix (read four k at a
 * time); the im2col patch matrix is never stored (`patchOperand`). The bias is added in the store hook, which
 * also writes NCHW.
 */
export function conv2d(rt: Runtime, x: TensorRef, w: TensorRef, bias: TensorRef | null, p: PrimitiveParams['conv2d'], outShape: readonly number[]): GPUStorage {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, , KH, KW] = w.shape as [number, number, number, number];
  const [, , Ho, Wo] = outShape as [number, number, number, number];
  const cols = N * Ho * Wo;
  const K = C * KH * KW;
  // a 3-wide kernel at stride 1 on enough rows of 8 pixels: by rows (conv-rows.ts), 0.55–0.9 of the GEMM's time
  if (forwardRowsApply(w.shape, p, x.shape, outShape)) return conv2dRows(rt, x, w, bias, p, outShape);
  const y = rt.createStorage(O * cols * 4);
  if (O * cols === 0) return y;
  const hasBias = !!bias;
  const outAt = hasBias ? 3 : 2;
  const biasDecl = hasBias ? '@group(0) @binding(2) var<storage, read> bs: array<f32>;' : '';
  const bindings = [
    { storage: x.storage as GPUStorage, kind: 'read' as const },
    { storage: w.storage as GPUStorage, kind: 'read' as const },
    ...(bias ? [{ storage: bias.storage as GPUStorage, kind: 'read' as const }] : []),
    { storage: y, kind: 'write' as const },
  ];
  const pointwise = KH === 1 && KW === 1 && p.stride.every((s) => s === 1) && p.dilation.every((d) => d === 1) && p.padding.every((q) => q === 0);
  if (pointwise) {
    // a 1×1 convolution is a matmul per image: [O, C] · x[n] as [C, H·W], no patch to compute
    const HW = H * W;
    const vecOut = HW % 4 === 0;
    dispatchGemm(rt, {
      key: `conv2d1x1:${hasBias ? 'b' : ''}:${C % 4 === 0 ? 'v' : 's'}${vecOut ? 'v' : 's'}`,
      bindings,
      meta: new Meta().u32(O, HW, C).array(),
      a: memoryOperand({ name: 'ws', binding: 1, dtype: 'f32', kMajor: false, dim: 'M', offset: '0u', vectorized: C % 4 === 0 }),
      b: memoryOperand({ name: 'xs', binding: 0, dtype: 'f32', kMajor: true, dim: 'N', offset: 'z * K * N', vectorized: vecOut }),
      outDecl: `${biasDecl}
@group(0) @binding(${outAt}) var<storage, read_write> ys: array<${vecOut ? 'vec4<f32>' : 'f32'}>;`,
      store: (o, col, v) => `${outElement(vecOut, `(z * M + (${o})) * N + ${col}`)} = ${v}${hasBias ? ` + bs[${o}]` : ''};`,
      ...(vecOut ? { storeVec4: (o: string, col: string, v: string) => `ys[((z * M + (${o})) * N + ${col}) / 4u] = ${v}${hasBias ? ` + vec4<f32>(bs[${o}])` : ''};` } : {}),
      M: O,
      N: HW,
      batch: N,
    });
    return y;
  }
  const meta = patchMeta(O, cols, K, { C, H, W, KH, KW, Ho, Wo, stride: p.stride, dilation: p.dilation, offset: [p.padding[0], p.padding[2]] }).array();
  const wVec = K % 4 === 0;
  // an output image of a multiple of 4 pixels: an invocation's 4 columns are 4 consecutive pixels of one image
  const vecOut = (Ho * Wo) % 4 === 0;
  const at = (o: string, col: string) => `(${patchColumn(col, 'n')} * M + (${o})) * m(8u) * m(9u) + ${patchColumn(col, 'i')} * m(9u) + ${patchColumn(col, 'j')}`;
  dispatchGemm(rt, {
    key: `conv2d:${hasBias ? 'b' : ''}:${wVec ? 'v' : 's'}${vecOut ? 'v' : 's'}`,
    bindings,
    meta,
    a: memoryOperand({ name: 'ws', binding: 1, dtype: 'f32', kMajor: false, dim: 'M', offset: '0u', vectorized: wVec }),
    b: patchOperand(0),
    outDecl: `${biasDecl}
@group(0) @binding(${outAt}) var<storage, read_write> ys: array<${vecOut ? 'vec4<f32>' : 'f32'}>;`,
    store: (o, col, v) => `${outElement(vecOut, at(o, col))} = ${v}${hasBias ? ` + bs[${o}]` : ''};`,
    ...(vecOut ? { storeVec4: (o: string, col: string, v: string) => `ys[(${at(o, col)}) / 4u] = ${v}${hasBias ? ` + vec4<f32>(bs[${o}])` : ''};` } : {}),
    M: O,
    N: cols,
  });
  return y;
}

/** The output element at WGSL index `at`: a component of a vec4 where the output is declared as vec4s. */
function outElement(vec: boolean, at: string): string {
  return vec ? `ys[(${at}) / 4u][(${at}) % 4u]` : `ys[${at}]`;
}

/**
 * Where the patch matrix of an implicit-GEMM convolution reads its source: an NCHW tensor of C channels of H × W,
 * read at k = (c, u, v) for c < C, u < KH, v < KW and column (n, i, j) on an Ho × Wo grid, at pixel
 * (i·stride − offset + u·dilation, j·…) — zero outside the source. The forward convolution has the padding as its
 * offset; the input gradient uses the same hook with a negative dilation (see conv-backward.ts).
 */
export interface PatchGeometry {
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly KH: number;
  readonly KW: number;
  readonly Ho: number;
  readonly Wo: number;
  readonly stride: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly offset: readonly [number, number];
}

/** The metadata `patchOperand` reads: words 0-2 the generator's M N K, then the geometry (words 3-15). */
export function patchMeta(M: number, N: number, K: number, g: PatchGeometry): Meta {
  return new Meta()
    .u32(M, N, K, g.C, g.H, g.W, g.KH, g.KW, g.Ho, g.Wo, g.stride[0], g.stride[1])
    .i32(g.dilation[0], g.dilation[1], g.offset[0], g.offset[1]);
}

/**
 * The im2col patch matrix as a GEMM operand ('mn': four consecutive columns at one k), never stored: for each k it
 * computes the source pixel of four consecutive output positions (or the zero padding). It walks k in order (the
 * generator fetches an 'mn' operand at k, k+1, … once each), so it keeps (c, u, v) as counters instead of dividing k
 * by kh·kw and kw: integer division has no SIMD instruction on the CPUs a software driver runs on, and two
 * divisions per k cost more than the 32 multiply-adds they feed. Each invocation decomposes its four columns into
 * (n, i, j) once, and keeps them for the store (`patchColumn`).
 */
export function patchOperand(binding: number): GemmOperand {
  return {
    decl: `@group(0) @binding(${binding}) var<storage, read> xs: array<f32>;
var<private> kc_: u32;
var<private> ku_: u32;
var<private> kv_: u32;
var<private> img_: vec4<u32>;
var<private> cn_: vec4<u32>;
var<private> ci_: vec4<u32>;
var<private> cj_: vec4<u32>;
var<private> py_: vec4<i32>;
var<private> px_: vec4<i32>;
fn patch4(k: u32) -> vec4<f32> {
  let H = m(4u); let W = m(5u);
  let yy = py_ + vec4<i32>(i32(ku_) * mi(12u));
  let xx = px_ + vec4<i32>(i32(kv_) * mi(13u));
  let ok = (yy >= vec4<i32>(0)) & (xx >= vec4<i32>(0)) & (yy < vec4<i32>(i32(H))) & (xx < vec4<i32>(i32(W))) & vec4<bool>(k < m(2u));
  let at = (img_ + vec4<u32>(kc_ * H) + vec4<u32>(max(yy, vec4<i32>(0)))) * W + vec4<u32>(max(xx, vec4<i32>(0)));
  let at0 = select(0u, at.x, ok.x); let at1 = select(0u, at.y, ok.y); let at2 = select(0u, at.z, ok.z); let at3 = select(0u, at.w, ok.w);
  let v = select(vec4<f32>(0.0), vec4<f32>(xs[at0], xs[at1], xs[at2], xs[at3]), ok);
  kv_ = kv_ + 1u;
  if (kv_ == m(7u)) { kv_ = 0u; ku_ = ku_ + 1u; if (ku_ == m(6u)) { ku_ = 0u; kc_ = kc_ + 1u; } }
  return v;
}`,
    along: 'mn',
    // column col0 is decomposed into (n, i, j) by division, the next three by counting on (integer division has
    // no SIMD instruction: a product with a short K, such as one phase class of a strided input gradient, would
    // spend more on dividing than on multiplying); a column past N repeats the last one (never stored)
    setup: `  kc_ = 0u; ku_ = 0u; kv_ = 0u;
  { let hw = m(8u) * m(9u); let c0 = min(col0, N - 1u); cn_.x = c0 / hw; let pp = c0 - cn_.x * hw; ci_.x = pp / m(9u); cj_.x = pp - ci_.x * m(9u); }
${[1, 2, 3]
  .map(
    (c) => `  { var n_ = cn_[${c - 1}]; var i_ = ci_[${c - 1}]; var j_ = cj_[${c - 1}] + 1u;
    if (j_ == m(9u)) { j_ = 0u; i_ = i_ + 1u; if (i_ == m(8u)) { i_ = 0u; n_ = n_ + 1u; } }
    let in_ = col0 + ${c}u < N;
    cn_[${c}] = select(cn_[${c - 1}], n_, in_); ci_[${c}] = select(ci_[${c - 1}], i_, in_); cj_[${c}] = select(cj_[${c - 1}], j_, in_); }`,
  )
  .join('\n')}
  img_ = cn_ * m(3u) * m(4u);
  py_ = vec4<i32>(ci_ * m(10u)) - vec4<i32>(mi(14u));
  px_ = vec4<i32>(cj_ * m(11u)) - vec4<i32>(mi(15u));`,
    fetch: (k) => `patch4(${k})`,
  };
}

/**
 * WGSL of column `col`'s image (n), row (i) or column (j) on the output grid, as `patchOperand`'s setup decomposed
 * it: a store hook needs no division. `col` must be one of the generator's `col0 + c`.
 */
export function patchColumn(col: string, part: 'n' | 'i' | 'j'): string {
  return `c${part}_[(${col}) - col0]`;
}
