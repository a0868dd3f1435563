import type { TensorRef } from '../../backend.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { CONSTS, Meta, NEG_INF, metaDecl } from './common.js';

/**
 * Row kernels: one workgroup per row of the last axis (or per contiguous normalisation block), the row read
 * with a strided loop and reduced in workgroup memory. Softmax statistics are merged online as (max, sum)
 * pairs, so a row is read once for the statistics and once for the output; cross-entropy reads it once and
 * writes one number, never the probabilities.
 */

/** Threads per row: short rows do not need 256 idle lanes. */
function rowThreads(n: number): number {
  return n >= 1024 ? 256 : n >= 128 ? 128 : 64;
}

const ROW_MAIN = (wg: number) => `@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= m(0u)) { return; }`;

/** (max, Σexp(x - max)) of a row: per-thread online pass, then a tree merge. Leaves M and S in wm[0], ws[0]. */
function softmaxStats(wg: number, load: string): string {
  return `
  var mx = ${NEG_INF};
  var s = 0.0;
  for (var j = t; j < n; j = j + ${wg}u) {
    let x = ${load};
    if (x > mx) { s = s * exp(mx - x) + 1.0; mx = x; }
    else if (x != ${NEG_INF}) { s = s + exp(x - mx); }
  }
  wm[t] = mx; ws[t] = s;
  workgroupBarrier();
  for (var k = ${wg / 2}u; k > 0u; k = k >> 1u) {
    if (t < k) {
      let m1 = wm[t]; let m2 = wm[t + k];
      let mm = max(m1, m2);
      var acc = 0.0;
      if (m1 != ${NEG_INF}) { acc = acc + ws[t] * exp(m1 - mm); }
      if (m2 != ${NEG_INF}) { acc = acc + ws[t + k] * exp(m2 - mm); }
      wm[t] = mm; ws[t] = acc;
    }
    workgroupBarrier();
  }
  let M = wm[0]; let S = ws[0];`;
}

function rowShaderHead(wg: number, bindings: string, metaWords: number): string {
  return `${CONSTS}
${bindings}
${metaDecl(bindings.split('@binding').length - 1, metaWords)}
var<workgroup> wm: array<f32, ${wg}>;
var<workgroup> ws: array<f32, ${wg}>;
`;
}

function rowsOf(x: TensorRef): { rows: number; n: number } {
  const n = x.shape[x.shape.length - 1] ?? 1;
  return { n, rows: n === 0 ? 0 : x.size / n };
}

/** softmax (log = false) or logSoftmax (log = true) over the last axis of an f32 tensor. */
export function softmaxRows(rt: Runtime, x: TensorRef, log: boolean): GPUStorage {
  const y = rt.createStorage(x.size * 4);
  const { n, rows } = rowsOf(x);
  if (x.size === 0) return y;
  const wg = rowThreads(n);
  const out = log ? 'xs[base + j] - (M + log(S))' : 'exp(xs[base + j] - M) / S';
  rt.dispatch({
    key: `nn:${log ? 'logSoftmax' : 'softmax'}:${wg}`,
    code: () => `${rowShaderHead(wg, `@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read_write> ys: array<f32>;`, 2)}
${ROW_MAIN(wg)}
  let n = m(1u);
  let base = row * n;
${softmaxStats(wg, 'xs[base + j]')}
  for (var j = t; j < n; j = j + ${wg}u) { ys[base + j] = ${out}; }
}`,
    bindings: [
      { storage: x.storage as GPUStorage, kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: new Meta().u32(rows, n).array(),
    workgroups: rt.grid(rows),
  });
  return y;
}

/** Per-row logSumExp(logits) - logits[target]: 0 for ignoreIndex, NaN for other out-of-range targets. */
export function crossEntropyRows(rt: Runtime, logits: TensorRef, targets: TensorRef, ignoreIndex: number): GPUStorage {
  const [R, V] = logits.shape as [number, number];
  const y = rt.createStorage(R * 4);
  if (R === 0) return y;
  const wg = rowThreads(V);
  rt.dispatch({
    key: `nn:crossEntropy:${wg}`,
    code: () => `// a private variable, not a const-expression: a NaN const-expression is a shader-creation error
var<private> nan_bits: u32 = 0x7fc00000u;
${rowShaderHead(wg, `@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<i32>;
@group(0) @binding(2) var<storage, read_write> loss: array<f32>;`, 3)}
${ROW_MAIN(wg)}
  let n = m(1u);
  let base = row * n;
  let tgt = targets[row];
  if (tgt == mi(2u)) {
    if (t == 0u) { loss[row] = 0.0; }
    return;
  }
${softmaxStats(wg, 'xs[base + j]')}
  if (t == 0u) {
    if (tgt < 0 || u32(tgt) >= n) { loss[row] = bitcast<f32>(nan_bits); }
    else { loss[row] = M + log(S) - xs[base + u32(tgt)]; }
  }
}`,
    bindings: [
      { storage: logits.storage as GPUStorage, kind: 'read' },
      { storage: targets.storage as GPUStorage, kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: new Meta().u32(R, V).i32(ignoreIndex).array(),
    workgroups: rt.grid(R),
  });
  return y;
}

export interface NormBlocks {
  /** Contiguous blocks normalised independently, and the length of each. */
  blocks: number;
  length: number;
  /** Subtract the mean (layer/group norm) or not (RMS norm). */
  center: boolean;
  eps: number;
  weight: TensorRef | null;
  bias: TensorRef | null;
  /** Affine index of element k of block b: (b % groups) · channelsPerGroup + k / spatial. */
  groups: number;
  channelsPerGroup: number;
  spatial: number;
}

/**
 * Normalises contiguous blocks: rmsNorm (no centring), layerNorm (block = last axis) and groupNorm (block =
 * one sample's group of channels × positions, which is contiguous in NCHW). Mean and variance in two passes.
 */
export function normBlocks(rt: Runtime, x: TensorRef, p: NormBlocks): GPUStorage {
  const y = rt.createStorage(x.size * 4);
  if (x.size === 0 || p.length === 0) return y;
  const wg = rowThreads(p.length);
  const hasW = !!p.weight;
  const hasB = !!p.bias;
  const bindings = [`@group(0) @binding(0) var<storage, read> xs: array<f32>;`];
  const storages: { storage: GPUStorage; kind: 'read' | 'write' }[] = [{ storage: x.storage as GPUStorage, kind: 'read' }];
  if (p.weight) {
    bindings.push(`@group(0) @binding(${bindings.length}) var<storage, read> ws_: array<f32>;`);
    storages.push({ storage: p.weight.storage as GPUStorage, kind: 'read' });
  }
  if (p.bias) {
    bindings.push(`@group(0) @binding(${bindings.length}) var<storage, read> bs_: array<f32>;`);
    storages.push({ storage: p.bias.storage as GPUStorage, kind: 'read' });
  }
  bindings.push(`@group(0) @binding(${bindings.length}) var<storage, read_write> ys: array<f32>;`);
  storages.push({ storage: y, kind: 'write' });
  const reduceSum = (v: string) => `  wm[t] = ${v};
  workgroupBarrier();
  for (var k = ${wg / 2}u; k > 0u; k = k >> 1u) {
    if (t < k) { wm[t] = wm[t] + wm[t + k]; }
    workgroupBarrier();
  }`;
  const meta = new Meta().u32(p.blocks, p.length, p.groups, p.channelsPerGroup, p.spatial).f32(p.eps);
  rt.dispatch({
    key: `nn:norm:${p.center ? 'c' : 'rms'}:${hasW ? 'w' : ''}${hasB ? 'b' : ''}:${wg}`,
    code: () => `${rowShaderHead(wg, bindings.join('\n'), meta.length)}
${ROW_MAIN(wg)}
  let n = m(1u);
  let base = row * n;
  var mean = 0.0;
${
  p.center
    ? `  var part = 0.0;
  for (var j = t; j < n; j = j + ${wg}u) { part = part + xs[base + j]; }
${reduceSum('part')}
  mean = wm[0] / f32(n);
  workgroupBarrier();`
    : ''
}
  var sq = 0.0;
  for (var j = t; j < n; j = j + ${wg}u) { let d = xs[base + j] - mean; sq = sq + d * d; }
${reduceSum('sq')}
  let inv = 1.0 / sqrt(wm[0] / f32(n) + mf(5u));
  let c0 = (row % m(2u)) * m(3u);
  for (var j = t; j < n; j = j + ${wg}u) {
    let c = c0 + j / m(4u);
    ys[base + j] = (xs[base + j] - mean) * inv${hasW ? ' * ws_[c]' : ''}${hasB ? ' + bs_[c]' : ''};
  }
}`,
    bindings: storages,
    meta: meta.array(),
    workgroups: rt.grid(p.blocks),
  });
  return y;
}
