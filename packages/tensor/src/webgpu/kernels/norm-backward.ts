import type { TensorRef } from '../../backend.js';
import type { GPUStorage, Runtime } from '../runtime.js';
import { Meta, metaDecl } from './common.js';
import { ROW_MAIN, RW, rowReduction, st } from './row-kernel.js';

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
  const red = rowReduction(rt.laneSharing);
  rt.dispatch({
    key: `rmsNormBackward:${hasW ? 'w' : ''}${hasA ? 'a' : ''}${red.key}`,
    code: () => `${red.head}${reads.map((n, i) => `@group(0) @binding(${i}) var<storage, read> ${n}: array<f32>;`).join('\n')}
${writes.map((n, i) => `@group(0) @binding(${reads.length + i}) var<storage, read_write> ${n}: array<f32>;`).join('\n')}
${metaDecl(reads.length + writes.length, meta.length)}
${red.tree}
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
