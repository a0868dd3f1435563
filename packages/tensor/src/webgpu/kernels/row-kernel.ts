import type { TensorRef } from '../../backend.js';
import { sizeOf } from '../../shape.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { CONSTS, EXP_SHIFTED, Meta, NAN, metaDecl } from './common.js';

/**
 * Row kernels: one workgroup of 64 invocations per row of the last axis (or per contiguous normalisation
 * block), the row read with a strided loop and reduced with a tree in workgroup memory: softmax / logSoftmax,
 * rms / layer / group norm, and cross-entropy (log-sum-exp minus the target logit: one number per row, the
 * probabilities are never written). On lavapipe 64 invocations per row measured faster than 128-256 with an
 * online (max, sum) merge (softmax 1024x1024: 17 ms vs 29-52 ms).
 *
 * softmax, logSoftmax and crossEntropy share one row-statistics code (ROW_STATS): the maximum mx (started from
 * the row's first element, so no -inf identity is needed) and s = Σ exp(x - mx), with entries equal to mx
 * counting exactly 1. Everything is then formed from the shifted logits x - mx, never from mx + log(s), whose
 * rounding at |mx| ≫ 1 would swamp log(s): logSoftmax = (x - mx) - log(s) and crossEntropy = log(s) - (x_t - mx),
 * so a code's cross-entropy is exactly minus its logSoftmax. A row whose maximum is infinite (all entries
 * -inf, or a +inf entry) gives the uniform distribution over its maximal entries, as it does with finite
 * sentinels (all -F32_MAX).
 */

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

/** mx and s of row `base` (length `D`) for invocation t; needs TREE and EXP_SHIFTED. */
const ROW_STATS = (xs: string, D: string): string => `  var mx = ${xs}[base];
  for (var j = t; j < ${D}; j = j + ${RW}u) { mx = max(mx, ${xs}[base + j]); }
  mx = tree_max(t, mx);
  var s = 0.0;
  for (var j = t; j < ${D}; j = j + ${RW}u) { s = s + exp_shifted(${xs}[base + j], mx); }
  s = tree_sum(t, s);`;

const ROW_MAIN = (body: string): string => `@compute @workgroup_size(${RW})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= m(0u)) { return; }
${body}
}`;

export function softmaxLike(rt: Runtime, x: TensorRef, log: boolean): GPUStorage {
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
${EXP_SHIFTED}
${ROW_MAIN(`  let D = m(1u); let base = row * D;
${ROW_STATS('xs', 'D')}
  ${log ? 'let ls = log(s);' : 'let inv = 1.0 / s;'}
  for (var j = t; j < D; j = j + ${RW}u) {
    ${log ? 'ys[base + j] = shifted(xs[base + j], mx) - ls;' : 'ys[base + j] = exp_shifted(xs[base + j], mx) * inv;'}
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
export function norm(
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

/** Per-row log(s) - (logits[target] - mx) (see ROW_STATS): 0 for ignoreIndex, NaN for other out-of-range targets. */
export function crossEntropy(rt: Runtime, logits: TensorRef, targets: TensorRef, ignoreIndex: number): GPUStorage {
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
${EXP_SHIFTED}
${ROW_MAIN(`  let V = m(1u); let base = row * V;
  let tgt = tg[row];
  // an ignored row (uniform across the workgroup) skips the reductions
  if (tgt == mi(2u)) {
    if (t == 0u) { ys[row] = 0.0; }
    return;
  }
${ROW_STATS('xs', 'V')}
  if (t == 0u) {
    if (tgt < 0 || u32(tgt) >= V) { ys[row] = ${NAN}; }
    else { ys[row] = log(s) - shifted(xs[base + u32(tgt)], mx); }
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
