import type { TensorRef } from '../../backend.js';
import type { GPUStorage, Runtime } from '../runtime.js';
import { Meta, metaDecl } from './common.js';
import { ROW_MAIN, RW, rowReduction, st } from './row-kernel.js';

/** rmsNorm / layerNorm over the last axis (groupNorm has its own kernel: group-norm.ts). */
export function norm(rt: Runtime, kind: 'rms' | 'layer', x: TensorRef, weight: TensorRef | undefined, bias: TensorRef | undefined, eps: number): GPUStorage {
  const y = rt.createStorage(x.size * 4);
  if (x.size === 0) return y;
  const count = x.shape[x.shape.length - 1]!;
  const rows = x.size / count;
  const meta = new Meta().u32(rows, count).f32(eps);
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
  let inv = 1.0 / sqrt(ss / f32(n) + mf(2u));`
      : `  var s = 0.0;
  for (var j = t; j < n; j = j + ${RW}u) { s = s + xs[base + j]; }
  let mean = tree_sum(t, s) / f32(n);
  var sv = 0.0;
  for (var j = t; j < n; j = j + ${RW}u) { let d = xs[base + j] - mean; sv = sv + d * d; }
  let inv = 1.0 / sqrt(tree_sum(t, sv) / f32(n) + mf(2u));`;
  const red = rowReduction(rt.laneSharing);
  rt.dispatch({
    key: `norm:${kind}:${hasW ? 'w' : ''}${hasB ? 'b' : ''}${red.key}`,
    code: () => `${red.head}${decls}@group(0) @binding(${outB}) var<storage, read_write> ys: array<f32>;
${metaDecl(outB + 1, meta.length)}
${red.tree}
${ROW_MAIN(`  let n = m(1u); let base = row * n;
${stats}
  for (var j = t; j < n; j = j + ${RW}u) {
    var v = (xs[base + j] - mean) * inv;
    ${hasW ? `v = v * ws[j];` : ''}
    ${hasB ? `v = v + bs[j];` : ''}
    ys[base + j] = v;
  }`)}`,
    bindings: [...bindings, { storage: y, kind: 'write' }],
    meta: meta.array(),
    workgroups: rt.grid(rows),
  });
  return y;
}
