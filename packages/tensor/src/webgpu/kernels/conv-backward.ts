import type { TensorRef } from '../../backend.js';
import type { PrimitiveParams } from '../../primitives.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { Meta, WG, main1d, metaDecl } from './common.js';
import { patchColumn, patchMeta, patchOperand } from './conv.js';
import { phases, type Phase } from './conv-phases.js';
import { conv2dBackwardInputRows, inputRowsApply } from './conv-rows.js';
import { dispatchGemm, gemmLaneShared, gemmRows, memoryOperand, type GemmOperand } from './gemm.js';

type ConvParams = PrimitiveParams['conv2dBackwardInput'];

/**
 * The input gradient of conv2d. A 3-wide kernel with a horizontal stride of 1 or 2, on enough rows of a multiple of
 * 8 pixels, has its own kernel, eight pixels of a row per invocation (conv-rows.ts, `inputRowsApply`). Otherwise:
 * implicit GEMMs on the GEMM generator, one per phase class (py, px) of the input pixels (y ≡ py mod stride_h,
 * x ≡ px mod stride_w): dx[n, c, y, x] = Σ_{o, u, v} w[o, c, u, v] · gradOut[n, o, i, j]
 * over the taps that land on a gradient pixel, i = (y + top − u·dh) / sh. Within a class those taps are the same
 * for every pixel, so the class is a stride-1 convolution of gradOut by a sub-kernel with a negative dilation (the
 * forward's patch hook, reading gradOut), and no multiply-add is spent on the zeros a strided transposed
 * convolution would insert (a stride-2 gradient is 4 products of a quarter of the size). The weight is first
 * permuted into each class's [C, O·nU·nV] matrix (one small dispatch).
 */
export function conv2dBackwardInput(rt: Runtime, g: TensorRef, w: TensorRef, p: ConvParams, outShape: readonly number[]): GPUStorage {
  const [N, O, Ho, Wo] = g.shape as [number, number, number, number];
  const [, C, KH, KW] = w.shape as [number, number, number, number];
  const [, , H, W] = outShape as [number, number, number, number];
  if (inputRowsApply(w.shape, p, g.shape, outShape)) return conv2dBackwardInputRows(rt, g, w, p, outShape);
  const [sh, sw] = p.stride;
  const dx = rt.createStorage(N * C * H * W * 4);
  if (N * C * H * W === 0) return dx;
  const ph = phases(KH, sh, p.dilation[0], p.padding[0]);
  const pw = phases(KW, sw, p.dilation[1], p.padding[2]);
  const bases: number[] = [];
  let total = 0;
  for (const a of ph) for (const b of pw) {
    bases.push(total);
    total += C * O * a.count * b.count;
  }
  const wp = rt.createStorage(Math.max(total, 1) * 4);
  if (total > 0) packWeight(rt, w.storage as GPUStorage, wp, { O, C, KH, KW, ph, pw, bases });
  ph.forEach((a, py) =>
    pw.forEach((b, px) => {
      const Hc = Math.max(0, Math.ceil((H - py) / sh));
      const Wc = Math.max(0, Math.ceil((W - px) / sw));
      if (Hc * Wc === 0) return;
      const K = O * a.count * b.count;
      const base = bases[py * sw + px]!;
      const vec = K % 4 === 0 && base % 4 === 0;
      const meta = patchMeta(C, N * Hc * Wc, K, {
        C: O, H: Ho, W: Wo, KH: a.count, KW: b.count, Ho: Hc, Wo: Wc, stride: [1, 1], dilation: [-a.di, -b.di], offset: [-a.base, -b.base],
      }).u32(base, H, W, py, px, sh, sw);
      // stride 1 and an image of a multiple of 4 pixels: an invocation's 4 columns are 4 consecutive pixels
      const vecOut = sh === 1 && sw === 1 && (H * W) % 4 === 0;
      const at = (c: string, col: string) =>
        `((${patchColumn(col, 'n')} * M + (${c})) * m(17u) + m(19u) + m(21u) * ${patchColumn(col, 'i')}) * m(18u) + m(20u) + m(22u) * ${patchColumn(col, 'j')}`;
      dispatchGemm(rt, {
        key: `conv2dBackwardInput:${vec ? 'v' : 's'}${vecOut ? 'v' : 's'}`,
        bindings: [
          { storage: g.storage as GPUStorage, kind: 'read' },
          { storage: wp, kind: 'read' },
          { storage: dx, kind: 'write' },
        ],
        meta: meta.array(),
        a: memoryOperand({ name: 'ws', binding: 1, dtype: 'f32', kMajor: false, dim: 'M', offset: 'm(16u)', vectorized: vec }),
        b: patchOperand(0),
        outDecl: `@group(0) @binding(2) var<storage, read_write> dx: array<${vecOut ? 'vec4<f32>' : 'f32'}>;`,
        // column (n, a, b) of the class grid is input pixel (py + sh·a, px + sw·b)
        store: (c, col, v) => (vecOut ? `dx[(${at(c, col)}) / 4u][(${at(c, col)}) % 4u] = ${v};` : `dx[${at(c, col)}] = ${v};`),
        ...(vecOut ? { storeVec4: (c: string, col: string, v: string) => `dx[(${at(c, col)}) / 4u] = ${v};` } : {}),
        M: C,
        N: N * Hc * Wc,
      });
    }),
  );
  rt.release(wp);
  return dx;
}

/** w [O, C, KH, KW] → each phase class's [C, O·nU·nV] block, classes in (py, px) order (a permutation of w). */
function packWeight(
  rt: Runtime,
  w: GPUStorage,
  wp: GPUStorage,
  s: { O: number; C: number; KH: number; KW: number; ph: Phase[]; pw: Phase[]; bases: number[] },
): void {
  // tap u of an axis → (its phase class, its index among that class's taps)
  const tap = (phs: Phase[], u: number): [number, number] => {
    const c = phs.findIndex((q) => q.count > 0 && u >= q.first && (u - q.first) % q.step === 0);
    return [c, (u - phs[c]!.first) / phs[c]!.step];
  };
  const tu = Array.from({ length: s.KH }, (_, u) => tap(s.ph, u));
  const tv = Array.from({ length: s.KW }, (_, v) => tap(s.pw, v));
  const sw = s.pw.length;
  const meta = new Meta().u32(s.O * s.C, s.O, s.C, ...s.bases);
  // one invocation per (o, c) moves its KH × KW taps, whose destinations are constants of the shader: one division
  // per invocation instead of five per element (integer division has no SIMD instruction on a software adapter)
  const moves = tu.flatMap(([py, iu], u) =>
    tv.map(([px, iv], v) => {
      const nu = s.ph[py]!.count;
      const nv = s.pw[px]!.count;
      return `  wp[m(${3 + py * sw + px}u) + c * O * ${nu * nv}u + o * ${nu * nv}u + ${iu * nv + iv}u] = ws[src + ${u * s.KW + v}u];`;
    }),
  );
  rt.dispatch({
    // the taps (which also give each class's tap counts) make the shader
    key: `conv2dBackwardInput:pack:${s.KH}x${s.KW}:${tu.map((t) => t.join('.')).join(',')}/${tv.map((t) => t.join('.')).join(',')}`,
    code: () => `
@group(0) @binding(0) var<storage, read> ws: array<f32>;
@group(0) @binding(1) var<storage, read_write> wp: array<f32>;
${metaDecl(2, meta.length)}
${main1d(`  if (i >= m(0u)) { return; }
  let O = m(1u); let o = i / m(2u); let c = i - o * m(2u); let src = i * ${s.KH * s.KW}u;
${moves.join('\n')}`)}`,
    bindings: [
      { storage: w, kind: 'read' },
      { storage: wp, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(Math.ceil((s.O * s.C) / WG)),
  });
}

/**
 * The weight gradient of conv2d as an implicit GEMM: dw[o, (c, u, v)] = Σ_{(n, i, j)} gradOut[n, o, i, j] ·
 * x[n, c, i·sh + u·dh − top, j·sw + v·dw − left], K running over the gradient's pixels of every image (no
 * transposed copies of x or gradOut). Each K step decomposes its four k into (n, i, j) once (counters, `kStep`),
 * shared by the gradient rows (read as vec4s when Ho·Wo is a multiple of 4) and the four patch columns. The
 * product is small (O × C·kh·kw) and K long, so K is split over groups of images (the batch axis of the dispatch)
 * into partial sums added by a second dispatch: enough invocations for every core.
 */
export function conv2dBackwardWeight(rt: Runtime, x: TensorRef, g: TensorRef, p: ConvParams, outShape: readonly number[]): GPUStorage {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [, O, Ho, Wo] = g.shape as [number, number, number, number];
  const [, , KH, KW] = outShape as [number, number, number, number];
  const cols = C * KH * KW;
  // rows of dw a multiple of 4 wide: whole-vec4 stores
  const vecOut = cols % 4 === 0;
  const MN = O * cols;
  const dw = rt.createStorage(MN * 4);
  if (MN === 0) return dw;
  const HW = Ho * Wo;
  const vec = HW % 4 === 0;
  const t = [0, 1, 2, 3];
  const gradRows: GemmOperand = {
    decl: `@group(0) @binding(1) var<storage, read> gs: array<${vec ? 'vec4<f32>' : 'f32'}>;
var<private> dn_: u32;
var<private> di_: u32;
var<private> dj_: u32;
var<private> goff_: vec4<u32>;
var<private> ximg_: vec4<u32>;
var<private> yy_: vec4<i32>;
var<private> xx_: vec4<i32>;
var<private> kok_: vec4<bool>;`,
    along: 'k',
    // the k-step state (goff_, kok_) is the same for every invocation at a given k: lanes may fetch for each other
    laneFetch: true,
    index: (o) => `(${o}) * m(16u)`,
    fetch: (ia) =>
      vec
        ? `gs[(goff_.x + ${ia}) >> 2u]`
        : `vec4<f32>(${t.map((j) => `select(0.0, gs[select(0u, goff_[${j}] + ${ia}, kok_[${j}])], kok_[${j}])`).join(', ')})`,
  };
  // split K over Z groups of images (Z divides N, so every group has the same K)
  const invocations = Math.ceil(O / gemmRows(O, gemmLaneShared(rt, [gradRows]))) * Math.ceil(cols / 4);
  let Z = 1;
  for (let z = 1; z <= N; z++) if (N % z === 0 && z * invocations <= 4096 && (N / z) * HW >= 256) Z = z;
  const nz = N / Z;
  const out = Z === 1 ? dw : rt.createStorage(Z * MN * 4);
  const [sh, sw] = p.stride;
  const [dh, dwl] = p.dilation;
  // words 0-2: the generator's M N K; then the geometry
  const meta = new Meta().u32(O, cols, nz * HW, O * HW, Wo, Ho, C * H * W, sh, sw, H, W, KH * KW, KW, dh, dwl, nz, HW).i32(p.padding[0], p.padding[2]);
  const patchCols: GemmOperand = {
    decl: `@group(0) @binding(0) var<storage, read> xs: array<f32>;
fn xcol(q: vec3<i32>) -> vec4<f32> {
  let yy = yy_ + vec4<i32>(q.y);
  let xx = xx_ + vec4<i32>(q.z);
  let ok = kok_ & (yy >= vec4<i32>(0)) & (xx >= vec4<i32>(0)) & (yy < vec4<i32>(i32(m(9u)))) & (xx < vec4<i32>(i32(m(10u))));
  let at = ximg_ + vec4<u32>(u32(q.x)) + vec4<u32>(max(yy, vec4<i32>(0))) * m(10u) + vec4<u32>(max(xx, vec4<i32>(0)));
  return select(vec4<f32>(0.0), vec4<f32>(${t.map((j) => `xs[select(0u, at[${j}], ok[${j}])]`).join(', ')}), ok);
}`,
    along: 'k',
    // column (c, u, v): the channel's offset and the tap's displacement
    index: (col) => `vec3<i32>(i32((${col}) / m(11u) * m(9u) * m(10u)), i32((${col}) % m(11u) / m(12u) * m(13u)), i32((${col}) % m(12u) * m(14u)))`,
    fetch: (ib) => `xcol(${ib})`,
  };
  dispatchGemm(rt, {
    key: `conv2dBackwardWeight:${vec ? 'v' : 's'}:${Wo % 4 === 0 ? 'row' : 'any'}${vecOut ? ':v4' : ''}`,
    bindings: [
      { storage: x.storage as GPUStorage, kind: 'read' },
      { storage: g.storage as GPUStorage, kind: 'read' },
      { storage: out, kind: 'write' },
    ],
    meta: meta.array(),
    a: gradRows,
    b: patchCols,
    outDecl: `@group(0) @binding(2) var<storage, read_write> dws: array<${vecOut ? 'vec4<f32>' : 'f32'}>;`,
    prologue: `  dn_ = z * m(15u); di_ = 0u; dj_ = 0u;`,
    kStep: Wo % 4 === 0
      ? // the four k are one row's consecutive pixels: one decomposition, the counters advance by 4
        `    goff_.x = dn_ * m(3u) + di_ * m(4u) + dj_; ximg_ = vec4<u32>(dn_ * m(6u));
    yy_ = vec4<i32>(i32(di_ * m(7u)) - mi(17u)); xx_ = vec4<i32>(i32(dj_ * m(8u)) - mi(18u)) + vec4<i32>(0, 1, 2, 3) * i32(m(8u));
    kok_ = vec4<bool>(k < K); goff_ = goff_.x + vec4<u32>(0u, 1u, 2u, 3u);
    dj_ = dj_ + 4u; if (dj_ == m(4u)) { dj_ = 0u; di_ = di_ + 1u; if (di_ == m(5u)) { di_ = 0u; dn_ = dn_ + 1u; } }`
      : t
          .map(
            (j) => `    goff_[${j}] = dn_ * m(3u) + di_ * m(4u) + dj_; ximg_[${j}] = dn_ * m(6u);
    yy_[${j}] = i32(di_ * m(7u)) - mi(17u); xx_[${j}] = i32(dj_ * m(8u)) - mi(18u); kok_[${j}] = k + ${j}u < K;
    dj_ = dj_ + 1u; if (dj_ == m(4u)) { dj_ = 0u; di_ = di_ + 1u; if (di_ == m(5u)) { di_ = 0u; dn_ = dn_ + 1u; } }`,
          )
          .join('\n'),
    store: (o, col, v) => (vecOut ? `dws[((z * M + (${o})) * N + ${col}) / 4u][((z * M + (${o})) * N + ${col}) % 4u] = ${v};` : `dws[(z * M + (${o})) * N + ${col}] = ${v};`),
    ...(vecOut ? { storeVec4: (o: string, col: string, v: string) => `dws[((z * M + (${o})) * N + ${col}) / 4u] = ${v};` } : {}),
    M: O,
    N: cols,
    batch: Z,
  });
  if (Z > 1) {
    const rmeta = new Meta().u32(MN, Z);
    rt.dispatch({
      key: 'conv2dBackwardWeight:sum',
      code: () => `
@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read_write> dw: array<f32>;
${metaDecl(2, rmeta.length)}
${main1d(`  if (i >= m(0u)) { return; }
  var s = 0.0;
  for (var z = 0u; z < m(1u); z = z + 1u) { s = s + part[z * m(0u) + i]; }
  dw[i] = s;`)}`,
      bindings: [
        { storage: out, kind: 'read' },
        { storage: dw, kind: 'write' },
      ],
      meta: rmeta.array(),
      workgroups: rt.grid(Math.ceil(MN / WG)),
    });
    rt.release(out);
  }
  return dw;
}
