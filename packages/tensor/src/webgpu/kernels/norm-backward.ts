import type { TensorRef } from '../../backend.js';
import type { GPUStorage, Runtime } from '../runtime.js';
import { Meta, metaDecl } from './common.js';
import { ROW_MAIN, RW, TREE, st } from './row-kernel.js';

/**
 * rmsNorm's backward, one workgroup per row: Σx² and Σ g·x̂ by tree sums, then dx and (with a weight) the
 * per-element weight gradient gradOut·x̂ in one more pass. One dispatch instead of about a dozen elementwise ops
 * and reductions; the weight gradient's sum over rows is left to the caller (one reduction).
 */
export function rmsNormBackward(rt: Runtime, x: TensorRef, weight: TensorRef | null, gradOut: TensorRef, eps: number): GPUStorage[] {
  const dx = rt.createStorage(x.size * 4);
  const dw = weight ? rt.createStorage(x.size * 4) : null;
  const D = x.shape[x.shape.length - 1] ?? 1;
  const rows = D === 0 ? 0 : x.size / D;
  if (rows === 0) return dw ? [dx, dw] : [dx];
  const meta = new Meta().u32(rows, D).f32(eps);
  const hasW = weight !== null;
  rt.dispatch({
    key: `rmsNormBackward:${hasW ? 'w' : ''}`,
    code: () => `@group(0) @binding(0) var<storage, read> xs: array<f32>;
${hasW ? '@group(0) @binding(1) var<storage, read> ws: array<f32>;' : ''}
@group(0) @binding(${hasW ? 2 : 1}) var<storage, read> cts: array<f32>;
@group(0) @binding(${hasW ? 3 : 2}) var<storage, read_write> dxs: array<f32>;
${hasW ? '@group(0) @binding(4) var<storage, read_write> dws: array<f32>;' : ''}
${metaDecl(hasW ? 5 : 3, meta.length)}
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
    dxs[base + j] = r * (c${hasW ? ' * ws[j]' : ''} - xhat * proj);
    ${hasW ? 'dws[base + j] = c * xhat;' : ''}
  }`)}`,
    bindings: [
      { storage: st(x), kind: 'read' },
      ...(weight ? [{ storage: st(weight), kind: 'read' as const }] : []),
      { storage: st(gradOut), kind: 'read' },
      { storage: dx, kind: 'write' },
      ...(dw ? [{ storage: dw, kind: 'write' as const }] : []),
    ],
    meta: meta.array(),
    workgroups: rt.grid(rows),
  });
  return dw ? [dx, dw] : [dx];
}
