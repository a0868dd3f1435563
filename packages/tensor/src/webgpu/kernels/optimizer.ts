import type { OutSpec, TensorRef } from '../../backend.js';
import type { PrimitiveParams } from '../../primitives.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { Meta, WG, main1d, metaDecl } from './common.js';

/**
 * One Adam / AdamW step of one parameter in one dispatch (the primitive's comment gives the arithmetic): reads
 * g, m, v (and p, the clip scale) once and writes m', v' and the update (or the new parameter). The
 * unfused sequence is about a dozen elementwise dispatches per parameter.
 */
export function adamUpdate(rt: Runtime, inputs: TensorRef[], p: PrimitiveParams['adamUpdate'], outs: OutSpec[]): GPUStorage[] {
  const n = inputs[0]!.size;
  const [m2, v2, u] = outs.map(() => rt.createStorage(n * 4)) as [GPUStorage, GPUStorage, GPUStorage];
  if (n === 0) return [m2, v2, u];
  const meta = new Meta().u32(n).f32(p.b1, p.c1, p.b2, p.c2, p.eps, p.sqrtBc2, -p.stepSize, p.decay).u32(p.decayEnd).f32(p.maxNorm ?? 0);
  const clip = (p.maxNorm ?? 0) > 0;
  const decay = p.decay !== 0;
  const names = ['gs', 'ms', 'vs', ...(p.hasParam ? ['ps'] : []), ...(p.hasScale ? ['scl'] : [])];
  const outAt = names.length;
  rt.dispatch({
    key: `adamUpdate:${p.hasParam ? 'p' : ''}${p.hasScale ? 's' : ''}${decay ? 'd' : ''}${p.apply ? 'a' : ''}${clip ? 'c' : ''}`,
    code: () => `
${names.map((name, i) => `@group(0) @binding(${i}) var<storage, read> ${name}: array<f32>;`).join('\n')}
@group(0) @binding(${outAt}) var<storage, read_write> mo: array<f32>;
@group(0) @binding(${outAt + 1}) var<storage, read_write> vo: array<f32>;
@group(0) @binding(${outAt + 2}) var<storage, read_write> uo: array<f32>;
${metaDecl(outAt + 3, meta.length)}
${main1d(`  if (i >= m(0u)) { return; }
  let gi = ${p.hasScale ? (clip ? 'gs[i] * min(mf(10u) / (sqrt(scl[0]) + 1e-6), 1.0)' : 'gs[i] * scl[0]') : 'gs[i]'};
  let mi = ms[i] * mf(1u) + gi * mf(2u);
  let vi = vs[i] * mf(3u) + (gi * gi) * mf(4u);
  var ui = (mi / (sqrt(vi) / mf(6u) + mf(5u))) * mf(7u);
${decay ? '  if (i < m(9u)) { ui = ui - ps[i] * mf(8u); }' : ''}
${p.apply ? '  ui = ps[i] + ui;' : ''}
  mo[i] = mi;
  vo[i] = vi;
  uo[i] = ui;`)}`,
    bindings: [
      ...inputs.map((t) => ({ storage: t.storage as GPUStorage, kind: 'read' as const })),
      { storage: m2, kind: 'write' },
      { storage: v2, kind: 'write' },
      { storage: u, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(Math.ceil(n / WG)),
  });
  return [m2, v2, u];
}

/**
 * Σ x² over many tensors in a few dispatches: each dispatch is one workgroup that reads up to `perDispatch`
 * inputs (as many as the storage-binding limit allows besides the running total and the result) and adds their
 * sum of squares to the previous dispatch's total. A global gradient norm over 40 parameters is then 3–7
 * dispatches instead of two or three per parameter plus a chain of adds.
 */
export function sumOfSquares(rt: Runtime, inputs: TensorRef[]): GPUStorage[] {
  const perDispatch = Math.max(1, Math.min(14, rt.device.limits.maxStorageBuffersPerShaderStage - 2));
  let total: GPUStorage | null = null;
  const nonEmpty = inputs.filter((t) => t.size > 0);
  if (nonEmpty.length === 0) {
    const zero = rt.createStorage(4);
    rt.dispatch({
      key: 'sumOfSquares:zero',
      code: () => `@group(0) @binding(0) var<storage, read_write> y: array<f32>;
${metaDecl(1, 1)}
@compute @workgroup_size(1)
fn main() { y[0] = f32(m(0u)); }`,
      bindings: [{ storage: zero, kind: 'write' }],
      meta: new Uint32Array([0]),
      workgroups: [1, 1, 1],
    });
    return [zero];
  }
  for (let start = 0; start < nonEmpty.length; start += perDispatch) {
    const chunk = nonEmpty.slice(start, start + perDispatch);
    const k = chunk.length;
    const prev: GPUStorage | null = total;
    const out = rt.createStorage(4);
    const meta = new Meta().u32(...chunk.map((t) => t.size));
    rt.dispatch({
      key: `sumOfSquares:${k}${prev ? ':acc' : ''}`,
      code: () => `
${chunk.map((_, i) => `@group(0) @binding(${i}) var<storage, read> x${i}: array<f32>;`).join('\n')}
${prev ? `@group(0) @binding(${k}) var<storage, read> prev: array<f32>;` : ''}
@group(0) @binding(${k + (prev ? 1 : 0)}) var<storage, read_write> y: array<f32>;
${metaDecl(k + (prev ? 2 : 1), meta.length)}
var<workgroup> part: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_index) t: u32) {
  var s = 0.0;
${chunk.map((_, i) => `  for (var j = t; j < m(${i}u); j = j + ${WG}u) { let x = x${i}[j]; s = s + x * x; }`).join('\n')}
  part[t] = s;
  workgroupBarrier();
  for (var w = ${WG / 2}u; w > 0u; w = w >> 1u) {
    if (t < w) { part[t] = part[t] + part[t + w]; }
    workgroupBarrier();
  }
  if (t == 0u) { y[0] = ${prev ? 'prev[0] + ' : ''}part[0]; }
}`,
      bindings: [
        ...chunk.map((x) => ({ storage: x.storage as GPUStorage, kind: 'read' as const })),
        ...(prev ? [{ storage: prev, kind: 'read' as const }] : []),
        { storage: out, kind: 'write' },
      ],
      meta: meta.array(),
      workgroups: [1, 1, 1],
    });
    if (prev) rt.release(prev);
    total = out;
  }
  return [total!];
}

/**
 * Copies many tensors into one flat buffer at their offsets, zeros between them: each dispatch writes the range of
 * as many inputs as the storage-binding limit allows (besides the output), every invocation one element. An input
 * with rows (p.rows) is summed over them, row 0 first, by the invocation of each element.
 */
export function packFlat(rt: Runtime, inputs: TensorRef[], p: PrimitiveParams['packFlat']): GPUStorage[] {
  const y = rt.createStorage(p.total * 4);
  const perDispatch = Math.max(1, Math.min(14, rt.device.limits.maxStorageBuffersPerShaderStage - 1));
  for (let start = 0; start < inputs.length; start += perDispatch) {
    const chunk = inputs.slice(start, start + perDispatch);
    const k = chunk.length;
    const begin = start === 0 ? 0 : p.offsets[start]!;
    const end = start + k < inputs.length ? p.offsets[start + k]! : p.total;
    if (end <= begin) continue;
    const rows = chunk.map((_, i) => p.rows?.[start + i] ?? 1);
    const summed = rows.some((r) => r !== 1);
    // per input: offset, segment size (and rows where any input has rows)
    const meta = new Meta().u32(begin, end - begin, ...chunk.flatMap((x, i) => (summed ? [p.offsets[start + i]!, x.size / rows[i]!, rows[i]!] : [p.offsets[start + i]!, x.size])));
    const w = summed ? 3 : 2;
    const read = (s: number) => {
      const [off, n] = [`m(${2 + w * s}u)`, `m(${3 + w * s}u)`];
      if (!summed) return `v = x${s}[j - ${off}];`;
      return `for (var r = 0u; r < m(${4 + w * s}u); r = r + 1u) { v = v + x${s}[r * ${n} + j - ${off}]; }`;
    };
    rt.dispatch({
      key: `packFlat:${k}${summed ? ':rows' : ''}`,
      code: () => `
${chunk.map((_, i) => `@group(0) @binding(${i}) var<storage, read> x${i}: array<f32>;`).join('\n')}
@group(0) @binding(${k}) var<storage, read_write> y: array<f32>;
${metaDecl(k + 1, meta.length)}
${main1d(`  if (i >= m(1u)) { return; }
  let j = m(0u) + i;
  var v = 0.0;
${chunk.map((_, s) => `  if (j >= m(${2 + w * s}u) && j - m(${2 + w * s}u) < m(${3 + w * s}u)) { ${read(s)} }`).join('\n')}
  y[j] = v;`)}`,
      bindings: [...chunk.map((x) => ({ storage: x.storage as GPUStorage, kind: 'read' as const })), { storage: y, kind: 'write' }],
      meta: meta.array(),
      workgroups: rt.grid(Math.ceil((end - begin) / WG)),
    });
  }
  return [y];
}
