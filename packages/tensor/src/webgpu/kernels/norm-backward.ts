import type { TensorRef } from '../../backend.js';
import type { GPUStorage, Runtime } from '../runtime.js';
import { Meta, metaDecl } from './common.js';
import { ROW_MAIN, RW, TREE, st } from './row-kernel.js';

/**
 * rmsNorm's backward, one workgroup per row: Σx² and Σ g·x̂ by tree sums, then dx and (with a weight) the
 * per-element weight gradient gradOut·x̂ in one more pass. One dispatch instead of about a dozen elementwise ops
 * and reductions; the weight gradient's sum over rows is left to the caller (one reduction). An addend (the
 * gradient x gathered from a residual connection) is added to dx as it is written.
 */
export function rmsNormBackward(rt: Runtime, x: TensorRef, weight: TensorRef | null, gradOut: TensorRef, eps: number, addend: TensorRef | null = null): GPUStorage[] {
  const dx = rt.createStorage(x.size * 4);
  const dw = weight ? rt.createStorage(x.size * 4) : null;
  const D = x.shape[x.shape.length - 1] ?? 1;
  const rows = D === 0 ? 0 : x.size / D;
  if (rows === 0) return dw ? [dx, dw] : [dx];
  const meta = new Meta().u32(rows, D).f32(eps);
  const hasW = weight !== null;
  const hasA = addend !== null;
  const reads = ['xs', ...(hasW ? ['ws'] : []), 'cts', ...(hasA ? ['adds'] : [])];
  const writes = ['dxs', ...(hasW ? ['dws'] : [])];
  rt.dispatch({
    key: `rmsNormBackward:${hasW ? 'w' : ''}${hasA ? 'a' : ''}`,
    code: () => `${reads.map((n, i) => `@group(0) @binding(${i}) var<storage, read> ${n}: array<f32>;`).join('\n')}
${writes.map((n, i) => `@group(0) @binding(${reads.length + i}) var<storage, read_write> ${n}: array<f32>;`).join('\n')}
${metaDecl(reads.length + writes.length, meta.length)}
${TREE}
${ROW_MAIN(`  let n = m(1u); let base = row * n;
  var ss = 0.0;
  for (var j = t; j < n; j = j + ${RW}u) { let v = xs[base + j]; ss = ss + v * v; }
  let r = 1.0 / sqrt(tree_sum(t, ss) / f32(n) + mf(2u));
  var gx = 0.0;
  for (var j = t; j < n; j = j + ${RW}u) { gx = gx + cts[base + j]${hasW ? ' * ws[j]' : ''} * xs[base + j]; }
  let proj = tree_sum(t, gx) * r / f32(n);
  for (var j = t; j < n; j = j + ${RW}u) {
    let xhat = xs[base + j] * r;
    let c = cts[base + j];
    dxs[base + j] = r * (c${hasW ? ' * ws[j]' : ''} - xhat * proj)${hasA ? ' + adds[base + j]' : ''};
    ${hasW ? 'dws[base + j] = c * xhat;' : ''}
  }`)}`,
    bindings: [
      { storage: st(x), kind: 'read' },
      ...(weight ? [{ storage: st(weight), kind: 'read' as const }] : []),
      { storage: st(gradOut), kind: 'read' },
      ...(addend ? [{ storage: st(addend), kind: 'read' as const }] : []),
      { storage: dx, kind: 'write' },
      ...(dw ? [{ storage: dw, kind: 'write' as const }] : []),
    ],
    meta: meta.array(),
    workgroups: rt.grid(rows),
  });
  return dw ? [dx, dw] : [dx];
}

/**
 * groupNorm's backward, one workgroup per (image, group) block of cg channels × S positions, three passes: the
 * mean; the variance (as the forward takes it), Σ g and Σ g·x̂; then dx and each channel's sums of gradOut·x̂
 * and gradOut (the weight's and bias's gradients of this image: [N, C] parts, summed over images by the caller).
 * One dispatch instead of about twenty elementwise ops and reductions.
 */
export function groupNormBackward(rt: Runtime, x: TensorRef, weight: TensorRef | null, gradOut: TensorRef, groups: number, eps: number, hasBias: boolean): GPUStorage[] {
  const [N, C] = [x.shape[0]!, x.shape[1]!];
  const S = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const dx = rt.createStorage(x.size * 4);
  const hasW = weight !== null;
  const dw = hasW ? rt.createStorage(N * C * 4) : null;
  const db = hasBias ? rt.createStorage(N * C * 4) : null;
  const outs = [dx, ...(dw ? [dw] : []), ...(db ? [db] : [])];
  if (x.size === 0) return outs;
  const cg = C / groups;
  const meta = new Meta().u32(N * groups, cg * S, groups, cg, S).f32(eps);
  const reads = ['xs', ...(hasW ? ['ws'] : []), 'cts'];
  const writes = ['dxs', ...(hasW ? ['dws'] : []), ...(hasBias ? ['dbs'] : [])];
  const param = '(g * m(3u) + ch)';
  // channels shorter than a workgroup: a tree sum per channel would cost more barriers than it saves
  const small = S < RW;
  rt.dispatch({
    key: `groupNormBackward:${hasW ? 'w' : ''}${hasBias ? 'b' : ''}:${small ? 'short' : 'long'}`,
    code: () => `${reads.map((n, i) => `@group(0) @binding(${i}) var<storage, read> ${n}: array<f32>;`).join('\n')}
${writes.map((n, i) => `@group(0) @binding(${reads.length + i}) var<storage, read_write> ${n}: array<f32>;`).join('\n')}
${metaDecl(reads.length + writes.length, meta.length)}
${TREE}
${ROW_MAIN(`  let n = m(1u); let base = row * n; let S = m(4u); let g = row % m(2u);
  var s = 0.0;
  for (var j = t; j < n; j = j + ${RW}u) { s = s + xs[base + j]; }
  let mean = tree_sum(t, s) / f32(n);
  // the variance (as the forward takes it), Σ g and Σ g·(x − mean) in one pass; x̂ = (x − mean)·r
  var sv = 0.0;
  var sg = 0.0;
  var sgd = 0.0;
  for (var ch = 0u; ch < m(3u); ch = ch + 1u) {
    ${hasW ? `let wc = ws[${param}];` : ''}
    for (var j = ch * S + t; j < (ch + 1u) * S; j = j + ${RW}u) {
      let d = xs[base + j] - mean;
      let gw = cts[base + j]${hasW ? ' * wc' : ''};
      sv = sv + d * d;
      sg = sg + gw;
      sgd = sgd + gw * d;
    }
  }
  let r = 1.0 / sqrt(tree_sum(t, sv) / f32(n) + mf(5u));
  let mg = tree_sum(t, sg) / f32(n);
  let mgx = tree_sum(t, sgd) * r / f32(n);
${
  small
    ? `  for (var j = t; j < n; j = j + ${RW}u) {
    let ch = j / S;
    dxs[base + j] = r * (cts[base + j]${hasW ? ` * ws[${param}]` : ''} - mg - (xs[base + j] - mean) * r * mgx);
  }
  // short channels: one invocation sums a channel's positions (no tree, no barrier per channel)
  for (var ch = t; ch < m(3u); ch = ch + ${RW}u) {
    var pw = 0.0;
    var pb = 0.0;
    for (var j = ch * S; j < (ch + 1u) * S; j = j + 1u) {
      let c = cts[base + j];
      pw = pw + c * (xs[base + j] - mean) * r;
      pb = pb + c;
    }
    ${hasW ? 'dws[row * m(3u) + ch] = pw;' : ''}
    ${hasBias ? 'dbs[row * m(3u) + ch] = pb;' : ''}
  }`
    : `  for (var ch = 0u; ch < m(3u); ch = ch + 1u) {
    ${hasW ? `let wc = ws[${param}];` : ''}
    var pw = 0.0;
    var pb = 0.0;
    for (var j = ch * S + t; j < (ch + 1u) * S; j = j + ${RW}u) {
      let c = cts[base + j];
      let xhat = (xs[base + j] - mean) * r;
      dxs[base + j] = r * (c${hasW ? ' * wc' : ''} - mg - xhat * mgx);
      pw = pw + c * xhat;
      pb = pb + c;
    }
    // the image's part of channel (g·cg + ch)'s parameter gradients
    let at = row * m(3u) + ch;
    ${hasW ? 'let tw = tree_sum(t, pw); if (t == 0u) { dws[at] = tw; }' : ''}
    ${hasBias ? 'let tb = tree_sum(t, pb); if (t == 0u) { dbs[at] = tb; }' : ''}
  }`
}`)}`,
    bindings: [
      { storage: st(x), kind: 'read' },
      ...(weight ? [{ storage: st(weight), kind: 'read' as const }] : []),
      { storage: st(gradOut), kind: 'read' },
      ...outs.map((o) => ({ storage: o, kind: 'write' as const })),
    ],
    meta: meta.array(),
    workgroups: rt.grid(N * groups),
  });
  return outs;
}
