import type { KernelTable, TensorRef } from '../../backend.js';
import { ropeInvFreq } from '../../ops/nn-rope-frequencies.js';
import { sizeOf, broadcastStrides } from '../../shape.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { CONSTS, Meta, NEG_INF, WG, main1d, metaDecl } from './common.js';

/**
 * Neural-network primitives. Correct, straightforward kernels: one workgroup per row with tree reductions
 * in workgroup memory (softmax, norms, cross-entropy, attention), one invocation per output (rope, conv2d).
 * Fast variants (fused online-softmax attention with K/V tiles in workgroup memory, implicit-GEMM conv)
 * belong beside these, chosen by shape.
 */

type NNName = 'softmax' | 'logSoftmax' | 'rmsNorm' | 'layerNorm' | 'groupNorm' | 'rope' | 'attention' | 'crossEntropy' | 'conv2d';

const RW = 64; // workgroup size of the row kernels

function st(t: TensorRef): GPUStorage {
  return t.storage as GPUStorage;
}

/** WGSL helpers for a workgroup tree reduction over `red: array<f32, RW>` (call with uniform control flow). */
const TREE = /* wgsl */ `
var<workgroup> red: array<f32, ${RW}>;
fn tree_sum(t: u32, v: f32) -> f32 {
  red[t] = v;
  workgroupBarrier();
  for (var s = ${RW / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { red[t] = red[t] + red[t + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn tree_max(t: u32, v: f32) -> f32 {
  red[t] = v;
  workgroupBarrier();
  for (var s = ${RW / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { red[t] = max(red[t], red[t + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
`;

const ROW_MAIN = (body: string): string => `@compute @workgroup_size(${RW})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= m(0u)) { return; }
${body}
}`;

function softmaxLike(rt: Runtime, x: TensorRef, log: boolean): GPUStorage {
  const D = x.shape[x.shape.length - 1] ?? 1;
  const rows = D === 0 ? 0 : x.size / D;
  const y = rt.createStorage(x.size * 4);
  if (rows === 0) return y;
  const meta = new Meta().u32(rows, D);
  rt.dispatch({
    key: `${log ? 'logSoftmax' : 'softmax'}`,
    code: () => `${CONSTS}
@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read_write> ys: array<f32>;
${metaDecl(2, meta.length)}
${TREE}
${ROW_MAIN(`  let D = m(1u); let base = row * D;
  var mx = ${NEG_INF};
  for (var j = t; j < D; j = j + ${RW}u) { mx = max(mx, xs[base + j]); }
  mx = tree_max(t, mx);
  var s = 0.0;
  for (var j = t; j < D; j = j + ${RW}u) { s = s + exp(xs[base + j] - mx); }
  s = tree_sum(t, s);
  ${log ? 'let ls = log(s);' : 'let inv = 1.0 / s;'}
  for (var j = t; j < D; j = j + ${RW}u) {
    ${log ? 'ys[base + j] = xs[base + j] - mx - ls;' : 'ys[base + j] = exp(xs[base + j] - mx) * inv;'}
  }`)}`,
    bindings: [
      { storage: st(x), kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(rows),
  });
  return y;
}

/** rmsNorm / layerNorm over the last axis, and groupNorm over (channel group x spatial) blocks. */
function norm(
  rt: Runtime,
  kind: 'rms' | 'layer' | 'group',
  x: TensorRef,
  weight: TensorRef | undefined,
  bias: TensorRef | undefined,
  eps: number,
  groups = 1,
): GPUStorage {
  const y = rt.createStorage(x.size * 4);
  if (x.size === 0) return y;
  // A "row" is a contiguous block of `count` elements; the affine parameter index of element j of row r
  // is ((r % G) * cg + j / S) for groups (cg channels of S positions), else j.
  let rows: number;
  let count: number;
  let G = 1;
  let cg = 1;
  let S = 1;
  if (kind === 'group') {
    const N = x.shape[0]!;
    const C = x.shape[1]!;
    S = sizeOf(x.shape.slice(2));
    G = groups;
    cg = C / groups;
    rows = N * groups;
    count = cg * S;
  } else {
    count = x.shape[x.shape.length - 1]!;
    rows = x.size / count;
  }
  const meta = new Meta().u32(rows, count, G, cg, S).f32(eps);
  const param = kind === 'group' ? '((row % m(2u)) * m(3u) + j / m(4u))' : 'j';
  const hasW = weight !== undefined;
  const hasB = bias !== undefined;
  const bindings = [{ storage: st(x), kind: 'read' as const }];
  if (weight) bindings.push({ storage: st(weight), kind: 'read' });
  if (bias) bindings.push({ storage: st(bias), kind: 'read' });
  const outB = bindings.length;
  let decls = '@group(0) @binding(0) var<storage, read> xs: array<f32>;\n';
  if (hasW) decls += '@group(0) @binding(1) var<storage, read> ws: array<f32>;\n';
  if (hasB) decls += `@group(0) @binding(${hasW ? 2 : 1}) var<storage, read> bs: array<f32>;\n`;
  const stats =
    kind === 'rms'
      ? `  var ss = 0.0;
  for (var j = t; j < n; j = j + ${RW}u) { let v = xs[base + j]; ss = ss + v * v; }
  ss = tree_sum(t, ss);
  let mean = 0.0;
  let inv = 1.0 / sqrt(ss / f32(n) + mf(5u));`
      : `  var s = 0.0;
  for (var j = t; j < n; j = j + ${RW}u) { s = s + xs[base + j]; }
  let mean = tree_sum(t, s) / f32(n);
  var sv = 0.0;
  for (var j = t; j < n; j = j + ${RW}u) { let d = xs[base + j] - mean; sv = sv + d * d; }
  let inv = 1.0 / sqrt(tree_sum(t, sv) / f32(n) + mf(5u));`;
  rt.dispatch({
    key: `norm:${kind}:${hasW ? 'w' : ''}${hasB ? 'b' : ''}`,
    code: () => `${decls}@group(0) @binding(${outB}) var<storage, read_write> ys: array<f32>;
${metaDecl(outB + 1, meta.length)}
${TREE}
${ROW_MAIN(`  let n = m(1u); let base = row * n;
${stats}
  for (var j = t; j < n; j = j + ${RW}u) {
    var v = (xs[base + j] - mean) * inv;
    ${hasW ? `v = v * ws[${param}];` : ''}
    ${hasB ? `v = v + bs[${param}];` : ''}
    ys[base + j] = v;
  }`)}`,
    bindings: [...bindings, { storage: y, kind: 'write' }],
    meta: meta.array(),
    workgroups: rt.grid(rows),
  });
  return y;
}

function rope(rt: Runtime, x: TensorRef, positions: TensorRef, theta: number): GPUStorage {
  const y = rt.createStorage(x.size * 4);
  if (x.size === 0) return y;
  const [B, H, T, D] = x.shape as [number, number, number, number];
  const half = D / 2;
  const inv = rt.upload(new Uint8Array(ropeInvFreq(theta, D).buffer), half * 4);
  const perBatch = positions.shape.length === 2 ? 1 : 0;
  const meta = new Meta().u32(x.size, H, T, D, perBatch);
  void B;
  rt.dispatch({
    key: 'rope',
    code: () => `
@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read> pos: array<i32>;
@group(0) @binding(2) var<storage, read> invf: array<f32>;
@group(0) @binding(3) var<storage, read_write> ys: array<f32>;
${metaDecl(4, meta.length)}
${main1d(`  if (i >= m(0u)) { return; }
  let H = m(1u); let T = m(2u); let D = m(3u); let h = D / 2u;
  let j = i % D; let r = i / D; let tt = r % T; let b = r / (T * H);
  let p = f32(pos[select(tt, b * T + tt, m(4u) == 1u)]);
  let jj = j % h;
  let a = p * invf[jj];
  let c = cos(a); let s = sin(a);
  let rowBase = i - j;
  if (j < h) {
    ys[i] = xs[i] * c - xs[rowBase + j + h] * s;
  } else {
    ys[i] = xs[i] * c + xs[rowBase + j - h] * s;
  }`)}`,
    bindings: [
      { storage: st(x), kind: 'read' },
      { storage: st(positions), kind: 'read' },
      { storage: inv, kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(Math.ceil(x.size / WG)),
  });
  rt.release(inv);
  return y;
}

/**
 * Attention, one workgroup per query row: scores go to a scratch row in global memory, then max, exp-sum
 * and the weighted sum of V. (The fused online-softmax kernel with K/V tiles in workgroup memory is the
 * optimisation that replaces this.)
 */
function attention(
  rt: Runtime,
  q: TensorRef,
  k: TensorRef,
  v: TensorRef,
  mask: TensorRef | undefined,
  bias: TensorRef | undefined,
  scale: number,
): GPUStorage {
  const [B, H, Tq, D] = q.shape as [number, number, number, number];
  const Tk = k.shape[2]!;
  const Dv = v.shape[3]!;
  const rows = B * H * Tq;
  const y = rt.createStorage(rows * Dv * 4);
  if (rows * Dv === 0) return y;
  const scratch = rt.createStorage(rows * Math.max(Tk, 1) * 4);
  const bStrides = bias ? broadcastStrides(bias.shape, [B, H, Tq, Tk]) : [0, 0, 0, 0];
  const meta = new Meta().u32(rows, H, Tq, Tk, D, Dv).f32(scale).u32(...bStrides);
  const bindings = [
    { storage: st(q), kind: 'read' as const },
    { storage: st(k), kind: 'read' as const },
    { storage: st(v), kind: 'read' as const },
  ];
  let decls = `@group(0) @binding(0) var<storage, read> qs: array<f32>;
@group(0) @binding(1) var<storage, read> ks: array<f32>;
@group(0) @binding(2) var<storage, read> vs: array<f32>;
`;
  if (mask) {
    decls += `@group(0) @binding(${bindings.length}) var<storage, read> mk: array<u32>;\n`;
    bindings.push({ storage: st(mask), kind: 'read' });
  }
  if (bias) {
    decls += `@group(0) @binding(${bindings.length}) var<storage, read> bi: array<f32>;\n`;
    bindings.push({ storage: st(bias), kind: 'read' });
  }
  const sb = bindings.length;
  rt.dispatch({
    key: `attention:${mask ? 'm' : ''}${bias ? 'b' : ''}`,
    code: () => `${CONSTS}${decls}@group(0) @binding(${sb}) var<storage, read_write> sc: array<f32>;
@group(0) @binding(${sb + 1}) var<storage, read_write> ys: array<f32>;
${metaDecl(sb + 2, meta.length)}
${TREE}
${ROW_MAIN(`  let H = m(1u); let Tq = m(2u); let Tk = m(3u); let D = m(4u); let Dv = m(5u); let scale = mf(6u);
  let i = row % Tq; let bh = row / Tq; let hh = bh % H; let b = bh / H;
  let qb = row * D; let kb = bh * Tk * D; let vb = bh * Tk * Dv; let sbase = row * Tk;
  var mx = ${NEG_INF};
  for (var j = t; j < Tk; j = j + ${RW}u) {
    var s = 0.0;
    for (var d = 0u; d < D; d = d + 1u) { s = s + qs[qb + d] * ks[kb + j * D + d]; }
    s = s * scale;
    ${bias ? 's = s + bi[b * m(7u) + hh * m(8u) + i * m(9u) + j * m(10u)];' : ''}
    ${mask ? 'if (mk[b * Tq + i] == 0u || mk[b * Tk + j] == 0u) { s = s - 3.4028234663852886e38; }' : ''}
    sc[sbase + j] = s;
    mx = max(mx, s);
  }
  mx = tree_max(t, mx);
  var sum = 0.0;
  for (var j = t; j < Tk; j = j + ${RW}u) {
    let p = select(exp(sc[sbase + j] - mx), 0.0, mx == ${NEG_INF});
    sc[sbase + j] = p;
    sum = sum + p;
  }
  sum = tree_sum(t, sum);
  storageBarrier();
  workgroupBarrier();
  let inv = select(1.0 / sum, 0.0, sum == 0.0);
  for (var d = t; d < Dv; d = d + ${RW}u) {
    var acc = 0.0;
    for (var j = 0u; j < Tk; j = j + 1u) { acc = acc + sc[sbase + j] * vs[vb + j * Dv + d]; }
    ys[row * Dv + d] = acc * inv;
  }`)}`,
    bindings: [...bindings, { storage: scratch, kind: 'write' }, { storage: y, kind: 'write' }],
    meta: meta.array(),
    workgroups: rt.grid(rows),
  });
  rt.release(scratch);
  return y;
}

function crossEntropy(rt: Runtime, logits: TensorRef, targets: TensorRef, ignoreIndex: number): GPUStorage {
  const [R, V] = logits.shape as [number, number];
  const y = rt.createStorage(R * 4);
  if (R === 0) return y;
  const meta = new Meta().u32(R, V).i32(ignoreIndex);
  rt.dispatch({
    key: 'crossEntropy',
    code: () => `${CONSTS}
@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read> tg: array<i32>;
@group(0) @binding(2) var<storage, read_write> ys: array<f32>;
${metaDecl(3, meta.length)}
${TREE}
${ROW_MAIN(`  let V = m(1u); let base = row * V;
  var mx = ${NEG_INF};
  for (var j = t; j < V; j = j + ${RW}u) { mx = max(mx, xs[base + j]); }
  mx = tree_max(t, mx);
  var s = 0.0;
  for (var j = t; j < V; j = j + ${RW}u) { s = s + exp(xs[base + j] - mx); }
  s = tree_sum(t, s);
  if (t == 0u) {
    let tgt = tg[row];
    if (tgt == mi(2u)) { ys[row] = 0.0; }
    else if (tgt < 0 || u32(tgt) >= V) { ys[row] = bitcast<f32>(pinf_bits | 0x400000u); }
    else { ys[row] = log(s) + mx - xs[base + u32(tgt)]; }
  }`)}`,
    bindings: [
      { storage: st(logits), kind: 'read' },
      { storage: st(targets), kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(R),
  });
  return y;
}

function conv2d(
  rt: Runtime,
  x: TensorRef,
  w: TensorRef,
  bias: TensorRef | undefined,
  p: { stride: [number, number]; padding: [number, number, number, number]; dilation: [number, number] },
  outShape: readonly number[],
): GPUStorage {
  const n = sizeOf(outShape);
  const y = rt.createStorage(n * 4);
  if (n === 0) return y;
  const [, C, H, W] = x.shape as [number, number, number, number];
  const [O, , kh, kw] = w.shape as [number, number, number, number];
  const [, , Ho, Wo] = outShape as [number, number, number, number];
  const meta = new Meta().u32(n, C, H, W, O, kh, kw, Ho, Wo, p.stride[0], p.stride[1], p.dilation[0], p.dilation[1]).i32(p.padding[0], p.padding[2]);
  const bindings = [
    { storage: st(x), kind: 'read' as const },
    { storage: st(w), kind: 'read' as const },
  ];
  if (bias) bindings.push({ storage: st(bias), kind: 'read' });
  const ob = bindings.length;
  rt.dispatch({
    key: `conv2d:${bias ? 'b' : ''}`,
    code: () => `
@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read> ws: array<f32>;
${bias ? '@group(0) @binding(2) var<storage, read> bs: array<f32>;' : ''}
@group(0) @binding(${ob}) var<storage, read_write> ys: array<f32>;
${metaDecl(ob + 1, meta.length)}
${main1d(`  if (i >= m(0u)) { return; }
  let C = m(1u); let H = i32(m(2u)); let W = i32(m(3u)); let O = m(4u); let kh = m(5u); let kw = m(6u);
  let Ho = m(7u); let Wo = m(8u);
  let ox = i % Wo; let oy = (i / Wo) % Ho; let o = (i / (Wo * Ho)) % O; let nb = i / (Wo * Ho * O);
  var acc = ${bias ? 'bs[o]' : '0.0'};
  let y0 = i32(oy * m(9u)) - mi(13u);
  let x0 = i32(ox * m(10u)) - mi(14u);
  for (var c = 0u; c < C; c = c + 1u) {
    let xb = (nb * C + c) * u32(H * W);
    let wb = (o * C + c) * kh * kw;
    for (var u = 0u; u < kh; u = u + 1u) {
      let yy = y0 + i32(u * m(11u));
      if (yy < 0 || yy >= H) { continue; }
      for (var v = 0u; v < kw; v = v + 1u) {
        let xx = x0 + i32(v * m(12u));
        if (xx < 0 || xx >= W) { continue; }
        acc = acc + ws[wb + u * kw + v] * xs[xb + u32(yy * W + xx)];
      }
    }
  }
  ys[i] = acc;`)}`,
    bindings: [...bindings, { storage: y, kind: 'write' }],
    meta: meta.array(),
    workgroups: rt.grid(Math.ceil(n / WG)),
  });
  return y;
}

export function makeNNKernels(rt: Runtime): Pick<KernelTable, NNName> {
  return {
    softmax: ([x]) => [softmaxLike(rt, x!, false)],
    logSoftmax: ([x]) => [softmaxLike(rt, x!, true)],
    rmsNorm: (inputs, { eps, hasWeight }) => [norm(rt, 'rms', inputs[0]!, hasWeight ? inputs[1] : undefined, undefined, eps)],
    layerNorm: (inputs, { eps, hasWeight, hasBias }) => {
      let i = 1;
      const w = hasWeight ? inputs[i++] : undefined;
      const b = hasBias ? inputs[i++] : undefined;
      return [norm(rt, 'layer', inputs[0]!, w, b, eps)];
    },
    groupNorm: (inputs, { groups, eps, hasWeight, hasBias }) => {
      let i = 1;
      const w = hasWeight ? inputs[i++] : undefined;
      const b = hasBias ? inputs[i++] : undefined;
      return [norm(rt, 'group', inputs[0]!, w, b, eps, groups)];
    },
    rope: ([x, pos], { theta }) => [rope(rt, x!, pos!, theta)],
    attention: (inputs, { scale, hasMask, hasBias }) => {
      let i = 3;
      const mask = hasMask ? inputs[i++] : undefined;
      const bias = hasBias ? inputs[i++] : undefined;
      return [attention(rt, inputs[0]!, inputs[1]!, inputs[2]!, mask, bias, scale)];
    },
    crossEntropy: ([logits, targets], { ignoreIndex }) => [crossEntropy(rt, logits!, targets!, ignoreIndex)],
    conv2d: (inputs, params, [out]) => [conv2d(rt, inputs[0]!, inputs[1]!, params.hasBias ? inputs[2] : undefined, params, out!.shape)],
  };
}
