import type { TensorRef } from '../../backend.js';
import { sizeOf } from '../../shape.js';
import type { GPUStorage, Runtime } from '../runtime.js';
import { Meta, metaDecl } from './common.js';
import { ROW_MAIN, RW, TREE, st } from './row-kernel.js';

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
