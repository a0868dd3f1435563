import type { TensorRef } from '../../backend.js';
import { broadcastStrides } from '../../shape.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { CONSTS, Meta, NEG_INF, metaDecl } from './common.js';

/** Query rows per workgroup (one invocation each). */
const BQ = 32;
/** Workgroup memory budget for the K and V tiles: the WebGPU default limit, so every adapter can run it. */
const TILE_BYTES = 16384;

export interface AttentionInputs {
  q: TensorRef;
  k: TensorRef;
  v: TensorRef;
  mask: TensorRef | null;
  bias: TensorRef | null;
  scale: number;
}

/**
 * Fused bidirectional attention (flash-attention style). A workgroup owns BQ query rows of one (b, h); each
 * invocation keeps its q row and output accumulator in registers. K and V are streamed through workgroup memory
 * in tiles of BK keys; per tile the scores are computed, the running max is updated once, and the accumulator
 * is rescaled once (online softmax), so the [Tq, Tk] score matrix never exists in memory.
 * Pad-mask arithmetic follows the spec exactly: the score of a non-kept pair gets −3.4028235e38 added.
 */
export function attention(rt: Runtime, a: AttentionInputs): GPUStorage {
  const [B, H, Tq, D] = a.q.shape as [number, number, number, number];
  const Tk = a.k.shape[2]!;
  const Dv = a.v.shape[3]!;
  const y = rt.createStorage(B * H * Tq * Dv * 4);
  if (B * H * Tq * Dv === 0) return y;
  const limit = Math.min(TILE_BYTES, rt.device.limits.maxComputeWorkgroupStorageSize);
  const BK = Math.max(1, Math.min(32, Math.floor(limit / ((D + Dv) * 4))));
  if (B * H > rt.maxWorkgroupsPerDim) throw new Error(`webgpu attention: B·H = ${B * H} exceeds ${rt.maxWorkgroupsPerDim}`);
  const bs = a.bias ? broadcastStrides(a.bias.shape, [B, H, Tq, Tk]) : [0, 0, 0, 0];
  const meta = new Meta().u32(H, Tq, Tk, ...bs).f32(a.scale);
  const bindings: { storage: GPUStorage; kind: 'read' | 'write' }[] = [a.q, a.k, a.v].map((t) => ({ storage: t.storage as GPUStorage, kind: 'read' as const }));
  const decls = ['qs', 'ks', 'vs'].map((n, i) => `@group(0) @binding(${i}) var<storage, read> ${n}: array<f32>;`);
  if (a.mask) {
    decls.push(`@group(0) @binding(${decls.length}) var<storage, read> mask: array<u32>;`);
    bindings.push({ storage: a.mask.storage as GPUStorage, kind: 'read' });
  }
  if (a.bias) {
    decls.push(`@group(0) @binding(${decls.length}) var<storage, read> bias: array<f32>;`);
    bindings.push({ storage: a.bias.storage as GPUStorage, kind: 'read' });
  }
  decls.push(`@group(0) @binding(${decls.length}) var<storage, read_write> out: array<f32>;`);
  bindings.push({ storage: y, kind: 'write' });
  rt.dispatch({
    key: `nn:attention:D${D}:V${Dv}:K${BK}:${a.mask ? 'm' : ''}${a.bias ? 'b' : ''}`,
    code: () => `${CONSTS}
${decls.join('\n')}
${metaDecl(decls.length, meta.length)}
var<workgroup> kt: array<f32, ${BK * D}>;
var<workgroup> vt: array<f32, ${BK * Dv}>;

@compute @workgroup_size(${BQ})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let H = m(0u); let Tq = m(1u); let Tk = m(2u);
  let bh = wid.y;
  let b = bh / H; let h = bh % H;
  let i = wid.x * ${BQ}u + t;
  let live = i < Tq;
  let iq = min(i, Tq - 1u);
  var q: array<f32, ${D}>;
  for (var d = 0u; d < ${D}u; d = d + 1u) { q[d] = qs[(bh * Tq + iq) * ${D}u + d]; }
  var acc: array<f32, ${Dv}>;
  for (var d = 0u; d < ${Dv}u; d = d + 1u) { acc[d] = 0.0; }
  var mrun = ${NEG_INF};
  var l = 0.0;
  var sc: array<f32, ${BK}>;
  ${a.mask ? `let qReal = mask[b * Tq + iq] != 0u;` : ''}
  let biasRow = b * m(3u) + h * m(4u) + iq * m(5u);
  for (var j0 = 0u; j0 < Tk; j0 = j0 + ${BK}u) {
    let nk = min(${BK}u, Tk - j0);
    workgroupBarrier();
    for (var e = t; e < nk * ${D}u; e = e + ${BQ}u) { kt[e] = ks[(bh * Tk + j0) * ${D}u + e]; }
    for (var e = t; e < nk * ${Dv}u; e = e + ${BQ}u) { vt[e] = vs[(bh * Tk + j0) * ${Dv}u + e]; }
    workgroupBarrier();
    var tmax = ${NEG_INF};
    for (var j = 0u; j < nk; j = j + 1u) {
      var dot = 0.0;
      for (var d = 0u; d < ${D}u; d = d + 1u) { dot = dot + q[d] * kt[j * ${D}u + d]; }
      var s = mf(7u) * dot;
      ${a.bias ? 's = s + bias[biasRow + (j0 + j) * m(6u)];' : ''}
      ${a.mask ? 'if (!(qReal && mask[b * Tk + j0 + j] != 0u)) { s = s + -3.4028234663852886e38; }' : ''}
      sc[j] = s;
      tmax = max(tmax, s);
    }
    let mnew = max(mrun, tmax);
    // Scores of -Infinity so far contribute nothing (and exp(-inf - -inf) would be NaN).
    if (mnew != ${NEG_INF}) {
      let alpha = exp(mrun - mnew);
      l = l * alpha;
      for (var d = 0u; d < ${Dv}u; d = d + 1u) { acc[d] = acc[d] * alpha; }
      for (var j = 0u; j < nk; j = j + 1u) {
        let p = exp(sc[j] - mnew);
        l = l + p;
        for (var d = 0u; d < ${Dv}u; d = d + 1u) { acc[d] = acc[d] + p * vt[j * ${Dv}u + d]; }
      }
      mrun = mnew;
    }
  }
  if (live) {
    let inv = select(0.0, 1.0 / l, l > 0.0);
    for (var d = 0u; d < ${Dv}u; d = d + 1u) { out[(bh * Tq + i) * ${Dv}u + d] = acc[d] * inv; }
  }
}`,
    bindings,
    meta: meta.array(),
    workgroups: [Math.ceil(Tq / BQ), B * H, 1],
  });
  return y;
}
