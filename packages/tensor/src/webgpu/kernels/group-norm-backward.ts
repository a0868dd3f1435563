import type { TensorRef } from '../../backend.js';
import { sizeOf } from '../../shape.js';
import type { GPUStorage, Runtime } from '../runtime.js';
import { Meta, WG, main1d, metaDecl } from './common.js';
import { ROW_MAIN, RW, rowReduction, st } from './row-kernel.js';

/** c·silu'(y) on f32 or vec4<f32>: s and 1 − s from e = exp(−|y|). */
const SILU_GRAD_FN = (T: string): string => `fn silu_grad(c: ${T}, y: ${T}) -> ${T} {
  let e = exp(-abs(y));
  let pos = y >= ${T}(0.0);
  let s = select(e, ${T}(1.0), pos) / (1.0 + e);
  return c * s * (1.0 + y * select(${T}(1.0), e, pos) / (1.0 + e));
}`;

/** Blocks of at most this many elements are differentiated by one invocation each (no workgroup barrier). */
const SERIAL_MAX = 256;

/**
 * groupNorm's backward over (image, group) blocks of cg channels × S positions, three passes: the statistics as
 * the forward (group-norm.ts) takes them, from sums of d = x − K and d² (K the block's first element); per channel
 * Σ gradOut and Σ gradOut·(x − mean), which are the channel's bias and weight gradients of this image and, weighted,
 * give the block's Σ g and Σ g·x̂ (g = gradOut·weight); then dx. A second small kernel sums the per-image gradients
 * over the images (one dispatch for both, instead of a reduction each).
 * A long block is one workgroup (tree sums for the statistics and per channel; two f32 trees measured faster on
 * lavapipe than one tree of vec2 pairs); a short block is one invocation. Four elements per load where S is a
 * multiple of 4. An addend (the gradient x gathered from a residual connection) is added to dx as it is written.
 * With silu (the forward's), gradOut·silu'(y) stands for gradOut, y recomputed from x̂, the weight and the bias.
 */
export function groupNormBackward(
  rt: Runtime,
  x: TensorRef,
  weight: TensorRef | null,
  gradOut: TensorRef,
  groups: number,
  eps: number,
  hasBias: boolean,
  addend: TensorRef | null = null,
  silu = false,
  bias: TensorRef | null = null,
): GPUStorage[] {
  const [N, C] = [x.shape[0]!, x.shape[1]!];
  const dx = rt.createStorage(x.size * 4);
  const grads = [...(weight ? ['dw'] : []), ...(hasBias ? ['db'] : [])];
  // the parameter gradients per image ([N, C] each), then summed over the images by a second small kernel
  const parts = grads.map(() => rt.createStorage(Math.max(1, N * C) * 4));
  const sums = grads.map(() => rt.createStorage(C * 4));
  if (x.size > 0) dispatchBlocks(rt, x, weight, gradOut, groups, eps, hasBias, addend, dx, parts, silu, bias);
  if (sums.length > 0 && C > 0) sumImages(rt, parts, sums, x.size > 0 ? N : 0, C);
  for (const p of parts) rt.release(p); // deferred until the pending batch that reads it is submitted
  return [dx, ...sums];
}

/** Σ over the images of each [N, C] part, one invocation per channel, images in order (0 when N is 0). */
function sumImages(rt: Runtime, parts: GPUStorage[], sums: GPUStorage[], N: number, C: number): void {
  const k = parts.length;
  rt.dispatch({
    key: `groupNormBackward:sum${k}`,
    code: () => `${parts.map((_, i) => `@group(0) @binding(${i}) var<storage, read> p${i}: array<f32>;`).join('\n')}
${sums.map((_, i) => `@group(0) @binding(${k + i}) var<storage, read_write> s${i}: array<f32>;`).join('\n')}
${metaDecl(2 * k, 2)}
${main1d(`  let c = i;
  if (c >= m(1u)) { return; }
${parts.map((_, i) => `  var a${i} = 0.0;
  for (var n = 0u; n < m(0u); n = n + 1u) { a${i} = a${i} + p${i}[n * m(1u) + c]; }
  s${i}[c] = a${i};`).join('\n')}`)}`,
    bindings: [...parts.map((storage) => ({ storage, kind: 'read' as const })), ...sums.map((storage) => ({ storage, kind: 'write' as const }))],
    meta: new Meta().u32(N, C).array(),
    workgroups: rt.grid(Math.ceil(C / WG)),
  });
}

/** The main kernel: dx and the per-image parameter gradients into `parts` (dw's, then db's). */
function dispatchBlocks(
  rt: Runtime,
  x: TensorRef,
  weight: TensorRef | null,
  gradOut: TensorRef,
  groups: number,
  eps: number,
  hasBias: boolean,
  addend: TensorRef | null,
  dx: GPUStorage,
  parts: GPUStorage[],
  silu: boolean,
  bias: TensorRef | null,
): void {
  const [N, C] = [x.shape[0]!, x.shape[1]!];
  const S = sizeOf(x.shape.slice(2));
  const hasW = weight !== null;
  const cg = C / groups;
  const v = S % 4 === 0 ? 4 : 1;
  const T = v === 4 ? 'vec4<f32>' : 'f32';
  // in units of loads: a channel is S / v loads, a block cg·S / v
  const meta = new Meta().u32(N * groups, (cg * S) / v, groups, cg, S / v, cg * S).f32(eps);
  const hsum = (e: string) => (v === 4 ? `dot(${e}, vec4<f32>(1.0))` : e);
  const dot = (a: string, b: string) => (v === 4 ? `dot(${a}, ${b})` : `(${a}) * (${b})`);
  const serial = cg * S <= SERIAL_MAX;
  const [from, step] = serial ? ['0u', '1u'] : ['t', `${RW}u`];
  // a pair summed over the workgroup (long blocks) or kept as it is (short blocks)
  const reduce = (e: string) => (serial ? e : `pair_sum(t, ${e})`);
  const hasA = addend !== null;
  const hasB = silu && bias !== null;
  const reads = ['xs', ...(hasW ? ['ws'] : []), ...(hasB ? ['bs'] : []), 'cts', ...(hasA ? ['adds'] : [])];
  // the gradient of the norm's output y: gradOut, or with silu gradOut·silu'(y), y = (x − mean)·r·wc + bc
  const ct = silu ? 'silu_grad(cts[base + j], (xs[base + j] - mean) * (r * wc) + bc)' : 'cts[base + j]';
  const channel = `let wc = ${hasW ? 'ws[g * m(3u) + ch]' : '1.0'};${silu ? ` let bc = ${hasB ? 'bs[g * m(3u) + ch]' : '0.0'};` : ''}`;
  const writes = ['dxs', ...(hasW ? ['dws'] : []), ...(hasBias ? ['dbs'] : [])];
  const body = `  let n = m(1u); let base = row * n; let L = m(4u); let g = row % m(2u); let cnt = f32(m(5u));
  let k = xs[base]${v === 4 ? '.x' : ''};
  var p = vec2<f32>(0.0);
  for (var j = ${from}; j < n; j = j + ${step}) { let d = xs[base + j] - k; p = p + vec2<f32>(${hsum('d')}, ${dot('d', 'd')}); }
  let stats = ${reduce('p')};
  let md = stats.x / cnt;
  let mean = k + md;
  let r = 1.0 / sqrt(max(stats.y / cnt - md * md, 0.0) + mf(6u));
  // per channel: Σ gradOut and Σ gradOut·(x − mean); the block's Σ g and Σ g·(x − mean)
  var sg = 0.0;
  var sgd = 0.0;
  for (var ch = 0u; ch < m(3u); ch = ch + 1u) {
    ${channel}
    var q = vec2<f32>(0.0);
    for (var j = ch * L + ${from}; j < (ch + 1u) * L; j = j + ${step}) { let c = ${ct}; q = q + vec2<f32>(${hsum('c')}, ${dot('c', 'xs[base + j] - mean')}); }
    let cs = ${reduce('q')};
    sg = sg + wc * cs.x;
    sgd = sgd + wc * cs.y;
    ${serial ? '' : 'if (t == 0u) {'}
    ${hasW ? 'dws[row * m(3u) + ch] = cs.y * r;' : ''}
    ${hasBias ? 'dbs[row * m(3u) + ch] = cs.x;' : ''}
    ${serial ? '' : '}'}
  }
  let mg = sg / cnt;
  let mgx = sgd * r / cnt;
  for (var ch = 0u; ch < m(3u); ch = ch + 1u) {
    ${channel}
    for (var j = ch * L + ${from}; j < (ch + 1u) * L; j = j + ${step}) {
      dxs[base + j] = r * (${ct} * wc - mg - (xs[base + j] - mean) * r * mgx)${hasA ? ' + adds[base + j]' : ''};
    }
  }`;
  const red = rowReduction(rt.laneSharing && !serial);
  rt.dispatch({
    key: `groupNormBackward:${hasW ? 'w' : ''}${hasBias ? 'b' : ''}${hasA ? 'a' : ''}${silu ? 's' : ''}:v${v}${serial ? ':serial' : ''}${red.key}`,
    code: () => `${red.head}${reads.map((n, i) => `@group(0) @binding(${i}) var<storage, read> ${n}: array<${n === 'ws' || n === 'bs' ? 'f32' : T}>;`).join('\n')}
${writes.map((n, i) => `@group(0) @binding(${reads.length + i}) var<storage, read_write> ${n}: array<${n === 'dxs' ? T : 'f32'}>;`).join('\n')}
${metaDecl(reads.length + writes.length, meta.length)}
${silu ? SILU_GRAD_FN(T) : ''}
${
  serial
    ? main1d(`  let row = i;
  if (row >= m(0u)) { return; }
${body}`, RW)
    : `${red.tree}
fn pair_sum(t: u32, v: vec2<f32>) -> vec2<f32> {
  let a = tree_sum(t, v.x);
  return vec2<f32>(a, tree_sum(t, v.y));
}
${ROW_MAIN(body)}`
}`,
    bindings: [
      { storage: st(x), kind: 'read' },
      ...(weight ? [{ storage: st(weight), kind: 'read' as const }] : []),
      ...(hasB ? [{ storage: st(bias!), kind: 'read' as const }] : []),
      { storage: st(gradOut), kind: 'read' },
      ...(addend ? [{ storage: st(addend), kind: 'read' as const }] : []),
      { storage: dx, kind: 'write' },
      ...parts.map((p) => ({ storage: p, kind: 'write' as const })),
    ],
    meta: meta.array(),
    workgroups: serial ? rt.grid(Math.ceil((N * groups) / RW)) : rt.grid(N * groups),
  });
}
