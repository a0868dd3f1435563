import type { TensorRef } from '../../backend.js';
import { sizeOf } from '../../shape.js';
import type { GPUStorage, Runtime } from '../runtime.js';
import { Meta, main1d, metaDecl } from './common.js';
import { ROW_MAIN, RW, st } from './row-kernel.js';

/** silu(v) = v·sigmoid(v) on f32 or vec4<f32>, sigmoid from e = exp(−|v|) (no overflow). */
export const SILU_FN = (T: string): string => `fn silu_v(v: ${T}) -> ${T} {
  let e = exp(-abs(v));
  return v * select(e, ${T}(1.0), v >= ${T}(0.0)) / (1.0 + e);
}`;

/** Blocks of at most this many elements are normalised by one invocation each (no workgroup barrier). */
const SERIAL_MAX = 256;

/**
 * groupNorm over (image, group) blocks of cg channels × S positions, two passes over x: the sums of d = x − K and d²
 * with K the block's first element (a shift that keeps E[d²] − E[d]² free of cancellation unless K lies many
 * standard deviations from the mean); then y channel by channel, the channel's weight and bias read once. A long
 * block is one workgroup reducing (Σd, Σd²) pairs in one tree; a short block is one invocation. Four elements per
 * load where S is a multiple of 4. On lavapipe a barrier costs more than a pass over a block, so this beats the
 * generic row kernel (three passes, two trees) most where the blocks are short. With silu, silu(y) is stored.
 */
export function groupNorm(rt: Runtime, x: TensorRef, weight: TensorRef | undefined, bias: TensorRef | undefined, eps: number, groups: number, silu = false): GPUStorage {
  const y = rt.createStorage(x.size * 4);
  if (x.size === 0) return y;
  const N = x.shape[0]!;
  const cg = x.shape[1]! / groups;
  const S = sizeOf(x.shape.slice(2));
  const v = S % 4 === 0 ? 4 : 1;
  const T = v === 4 ? 'vec4<f32>' : 'f32';
  // in units of loads: a channel is S / v loads, a block cg·S / v
  const meta = new Meta().u32(N * groups, (cg * S) / v, groups, cg, S / v, cg * S).f32(eps);
  const hasW = weight !== undefined;
  const hasB = bias !== undefined;
  const reads = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const names = ['xs', ...(hasW ? ['ws'] : []), ...(hasB ? ['bs'] : [])];
  const SUMS = `let d = xs[base + j] - k; ${v === 4 ? 's1 = s1 + dot(d, vec4<f32>(1.0)); s2 = s2 + dot(d, d);' : 's1 = s1 + d; s2 = s2 + d * d;'}`;
  // mean and 1/σ from s1 = Σd, s2 = Σd², then y channel by channel (loads `from`, `from + step`, … of each channel)
  const AFFINE = (from: string, step: string) => `  let cnt = f32(m(5u));
  let md = s1 / cnt;
  let mean = k + md;
  let inv = 1.0 / sqrt(max(s2 / cnt - md * md, 0.0) + mf(6u));
  for (var ch = 0u; ch < m(3u); ch = ch + 1u) {
    let c = g * m(3u) + ch;
    let sc = inv${hasW ? ' * ws[c]' : ''};
    let sh = ${hasB ? 'bs[c]' : '0.0'};
    for (var j = ch * L + ${from}; j < (ch + 1u) * L; j = j + ${step}) { ys[base + j] = ${silu ? 'silu_v(' : '('}(xs[base + j] - mean) * sc + sh); }
  }`;
  const decls = `${names.map((n, i) => `@group(0) @binding(${i}) var<storage, read> ${n}: array<${i === 0 ? T : 'f32'}>;`).join('\n')}
@group(0) @binding(${names.length}) var<storage, read_write> ys: array<${T}>;
${metaDecl(names.length + 1, meta.length)}
${silu ? SILU_FN(T) : ''}`;
  if (cg * S <= SERIAL_MAX) {
    // short blocks: one invocation per block, no barrier
    rt.dispatch({
      key: `groupNorm:${hasW ? 'w' : ''}${hasB ? 'b' : ''}${silu ? 's' : ''}:v${v}:serial`,
      code: () => `${decls}
${main1d(`  let row = i;
  if (row >= m(0u)) { return; }
  let n = m(1u); let base = row * n; let L = m(4u); let g = row % m(2u);
  let k = xs[base]${v === 4 ? '.x' : ''};
  var s1 = 0.0;
  var s2 = 0.0;
  for (var j = 0u; j < n; j = j + 1u) { ${SUMS} }
${AFFINE('0u', '1u')}`, RW)}`,
      bindings: [...reads.map((r) => ({ storage: st(r), kind: 'read' as const })), { storage: y, kind: 'write' as const }],
      meta: meta.array(),
      workgroups: rt.grid(Math.ceil((N * groups) / RW)),
    });
    return y;
  }
  rt.dispatch({
    key: `groupNorm:${hasW ? 'w' : ''}${hasB ? 'b' : ''}${silu ? 's' : ''}:v${v}`,
    code: () => `${decls}
var<workgroup> red: array<vec2<f32>, ${RW}>;
${ROW_MAIN(`  let n = m(1u); let base = row * n; let L = m(4u); let g = row % m(2u);
  let k = xs[base]${v === 4 ? '.x' : ''};
  var s1 = 0.0;
  var s2 = 0.0;
  for (var j = t; j < n; j = j + ${RW}u) { ${SUMS} }
  red[t] = vec2<f32>(s1, s2);
  workgroupBarrier();
  for (var h = ${RW / 2}u; h > 0u; h = h >> 1u) {
    if (t < h) { red[t] = red[t] + red[t + h]; }
    workgroupBarrier();
  }
  s1 = red[0].x;
  s2 = red[0].y;
${AFFINE('t', `${RW}u`)}`)}`,
    bindings: [...reads.map((r) => ({ storage: st(r), kind: 'read' as const })), { storage: y, kind: 'write' as const }],
    meta: meta.array(),
    workgroups: rt.grid(N * groups),
  });
  return y;
}
