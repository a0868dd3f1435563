import type { TensorRef } from '../../backend.js';
import { broadcastStrides } from '../../shape.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { CONSTS, Meta, NEG_INF, metaDecl } from './common.js';

/**
 * Fused attention backward (FlashAttention-2 style), three dispatches and no [Tq, Tk] buffer:
 *  1. stats: a workgroup per BQ query rows streams K tiles through workgroup memory and recomputes each row's
 *     softmax statistics exactly as the forward kernel does (max, 1/Σexp), plus Δ_i = gradOut_i·out_i and the
 *     row's pad-mask bit -> stats [B·H·Tq, 4] (16 bytes a query row).
 *  2. dq: a workgroup per BQ query rows streams K and V tiles: p_ij = exp(s_ij − max_i)/sum_i,
 *     ds_ij = p_ij·(gradOut_i·v_j − Δ_i), dq_i = scale·Σ_j ds_ij·k_j (and, with a bias, dscores = ds).
 *  3. dk, dv: a workgroup per BK key rows streams query tiles (q, gradOut, stats): dv_j = Σ_i p_ij·gradOut_i,
 *     dk_j = scale·Σ_i ds_ij·q_i.
 * Pairs the pad mask drops get −3.4028235e38 added to their score (as in the forward) and ds = 0 (that score is a
 * constant in f32). The mask bits travel in the stats rows so that no dispatch needs more than 8 storage buffers.
 */

/** Query (stats, dq) or key (dk/dv) rows per workgroup, one invocation each. */
const ROWS = 32;
/** Workgroup memory budget of the streamed tiles: the WebGPU default limit, so every adapter can run them. */
const TILE_BYTES = 16384;
/** The additive score of a pair the pad mask drops (torch.finfo(float32).min). */
const MASKED = '-3.4028234663852886e38';

export interface AttentionBackwardInputs {
  q: TensorRef;
  k: TensorRef;
  v: TensorRef;
  mask: TensorRef | null;
  bias: TensorRef | null;
  out: TensorRef;
  gradOut: TensorRef;
  scale: number;
}

type Binding = { storage: GPUStorage; kind: 'read' | 'write' };

/** Binding declarations in order, and the storages to bind. */
class Bindings {
  readonly decls: string[] = [];
  readonly list: Binding[] = [];
  add(name: string, storage: GPUStorage, kind: 'read' | 'write', type = 'f32'): this {
    this.decls.push(`@group(0) @binding(${this.decls.length}) var<storage, ${kind === 'read' ? 'read' : 'read_write'}> ${name}: array<${type}>;`);
    this.list.push({ storage, kind });
    return this;
  }
  header(metaWords: number): string {
    return `${CONSTS}\n${this.decls.join('\n')}\n${metaDecl(this.decls.length, metaWords)}`;
  }
}

const st = (t: TensorRef): GPUStorage => t.storage as GPUStorage;

/** Meta words: 0 H, 1 Tq, 2 Tk, 3..6 bias strides over [B, H, Tq, Tk], 7 scale. */
const HEAD = `
  let H = m(0u); let Tq = m(1u); let Tk = m(2u);
  let bh = wid.y;
  let b = bh / H; let h = bh % H;`;

export function attentionBackward(rt: Runtime, a: AttentionBackwardInputs): GPUStorage[] {
  const [B, H, Tq, D] = a.q.shape as [number, number, number, number];
  const Tk = a.k.shape[2]!;
  const Dv = a.v.shape[3]!;
  const dq = rt.createStorage(B * H * Tq * D * 4);
  const dk = rt.createStorage(B * H * Tk * D * 4);
  const dv = rt.createStorage(B * H * Tk * Dv * 4);
  const dscores = a.bias ? rt.createStorage(B * H * Tq * Tk * 4) : null;
  const outs = dscores ? [dq, dk, dv, dscores] : [dq, dk, dv];
  if (B * H === 0) return outs;
  if (B * H > rt.maxWorkgroupsPerDim) throw new Error(`webgpu attentionBackward: B·H = ${B * H} exceeds ${rt.maxWorkgroupsPerDim}`);
  const limit = Math.min(TILE_BYTES, rt.device.limits.maxComputeWorkgroupStorageSize);
  const Dp = Math.max(1, D); // WGSL arrays need a positive length
  const Dvp = Math.max(1, Dv);
  const bs = a.bias ? broadcastStrides(a.bias.shape, [B, H, Tq, Tk]) : [0, 0, 0, 0];
  const meta = new Meta().u32(H, Tq, Tk, ...bs).f32(a.scale).array();
  const spec = `D${D}:V${Dv}:${a.mask ? 'm' : ''}${a.bias ? 'b' : ''}`;
  const stats = rt.createStorage(B * H * Tq * 16);
  /** s = scale·dot (+ bias at query i, key j), rounded as the forward kernel rounds it. */
  const score = (i: string, j: string) => `var s = mf(7u) * dot;${a.bias ? `\n      s = s + bias[b * m(3u) + h * m(4u) + (${i}) * m(5u) + (${j}) * m(6u)];` : ''}`;

  // ---- 1. row statistics: (max, 1/sum, Δ, mask bit) per query row
  if (Tq > 0) {
    const BK = Math.max(1, Math.min(ROWS, Math.floor(limit / (Dp * 4))));
    const bind = new Bindings().add('qs', st(a.q), 'read').add('ks', st(a.k), 'read');
    if (a.mask) bind.add('mask', st(a.mask), 'read', 'u32');
    if (a.bias) bind.add('bias', st(a.bias), 'read');
    bind.add('outs', st(a.out), 'read').add('gos', st(a.gradOut), 'read').add('stats', stats, 'write', 'vec4<f32>');
    rt.dispatch({
      key: `nn:attentionBackward:stats:${spec}:K${BK}`,
      code: () => `${bind.header(meta.length)}
var<workgroup> kt: array<f32, ${BK * Dp}>;

@compute @workgroup_size(${ROWS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {${HEAD}
  let i = wid.x * ${ROWS}u + t;
  let iq = min(i, Tq - 1u);
  var q: array<f32, ${Dp}>;
  for (var d = 0u; d < ${D}u; d = d + 1u) { q[d] = qs[(bh * Tq + iq) * ${D}u + d]; }
  var delta = 0.0;
  for (var d = 0u; d < ${Dv}u; d = d + 1u) { delta = delta + gos[(bh * Tq + iq) * ${Dv}u + d] * outs[(bh * Tq + iq) * ${Dv}u + d]; }
  ${a.mask ? 'let qReal = mask[b * Tq + iq] != 0u;' : ''}
  var mrun = ${NEG_INF};
  var l = 0.0;
  var sc: array<f32, ${BK}>;
  for (var j0 = 0u; j0 < Tk; j0 = j0 + ${BK}u) {
    let nk = min(${BK}u, Tk - j0);
    workgroupBarrier();
    for (var e = t; e < nk * ${D}u; e = e + ${ROWS}u) { kt[e] = ks[(bh * Tk + j0) * ${D}u + e]; }
    workgroupBarrier();
    var tmax = ${NEG_INF};
    for (var j = 0u; j < nk; j = j + 1u) {
      var dot = 0.0;
      for (var d = 0u; d < ${D}u; d = d + 1u) { dot = dot + q[d] * kt[j * ${D}u + d]; }
      ${score('iq', 'j0 + j')}
      ${a.mask ? `if (!(qReal && mask[b * Tk + j0 + j] != 0u)) { s = s + ${MASKED}; }` : ''}
      sc[j] = s;
      tmax = max(tmax, s);
    }
    let mnew = max(mrun, tmax);
    if (mnew != ${NEG_INF}) {
      l = l * exp(mrun - mnew);
      for (var j = 0u; j < nk; j = j + 1u) { l = l + exp(sc[j] - mnew); }
      mrun = mnew;
    }
  }
  if (i < Tq) {
    // inv = 0 marks a row whose scores are all -Infinity: its output is the constant 0, so p = 0 throughout
    let inv = select(0.0, 1.0 / l, l > 0.0);
    stats[bh * Tq + i] = vec4<f32>(mrun, inv, delta, ${a.mask ? 'select(0.0, 1.0, qReal)' : '1.0'});
  }
}`,
      bindings: bind.list,
      meta,
      workgroups: [Math.ceil(Tq / ROWS), B * H, 1],
    });
  }

  /** p and ds of one pair from its score `s`, the query row's stats `qs4` and the key's mask bit `kReal`. */
  const pds = (qs4: string, kReal: string) => `${a.mask ? `let kept = ${qs4}.w != 0.0 && ${kReal} != 0.0;
      if (!kept) { s = s + ${MASKED}; }` : ''}
      let p = select(0.0, exp(s - ${qs4}.x) * ${qs4}.y, ${qs4}.y > 0.0);`;

  // ---- 2. dq (and dscores): a workgroup per query tile, K and V tiles streamed
  if (Tq > 0) {
    const BK = Math.max(1, Math.min(ROWS, Math.floor(limit / ((Dp + Dvp + 1) * 4))));
    const writeScores = !!dscores && Tq * Tk > 0;
    const bind = new Bindings().add('qs', st(a.q), 'read').add('ks', st(a.k), 'read').add('vs', st(a.v), 'read');
    if (a.bias) bind.add('bias', st(a.bias), 'read');
    bind.add('gos', st(a.gradOut), 'read').add('stats', stats, 'read', 'vec4<f32>').add('dqs', dq, 'write');
    if (writeScores) bind.add('dsc', dscores!, 'write');
    rt.dispatch({
      key: `nn:attentionBackward:dq:${spec}:K${BK}:${writeScores ? 'ds' : ''}`,
      code: () => `${bind.header(meta.length)}
var<workgroup> kt: array<f32, ${BK * Dp}>;
var<workgroup> vt: array<f32, ${BK * Dvp}>;
var<workgroup> km: array<f32, ${BK}>;

@compute @workgroup_size(${ROWS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {${HEAD}
  let i = wid.x * ${ROWS}u + t;
  let live = i < Tq;
  let iq = min(i, Tq - 1u);
  var q: array<f32, ${Dp}>;
  for (var d = 0u; d < ${D}u; d = d + 1u) { q[d] = qs[(bh * Tq + iq) * ${D}u + d]; }
  var go: array<f32, ${Dvp}>;
  for (var d = 0u; d < ${Dv}u; d = d + 1u) { go[d] = gos[(bh * Tq + iq) * ${Dv}u + d]; }
  var acc: array<f32, ${Dp}>;
  for (var d = 0u; d < ${D}u; d = d + 1u) { acc[d] = 0.0; }
  let row = stats[bh * Tq + iq];
  for (var j0 = 0u; j0 < Tk; j0 = j0 + ${BK}u) {
    let nk = min(${BK}u, Tk - j0);
    workgroupBarrier();
    for (var e = t; e < nk * ${D}u; e = e + ${ROWS}u) { kt[e] = ks[(bh * Tk + j0) * ${D}u + e]; }
    for (var e = t; e < nk * ${Dv}u; e = e + ${ROWS}u) { vt[e] = vs[(bh * Tk + j0) * ${Dv}u + e]; }
    ${a.mask ? `for (var e = t; e < nk; e = e + ${ROWS}u) { km[e] = stats[bh * Tk + j0 + e].w; }` : ''}
    workgroupBarrier();
    for (var j = 0u; j < nk; j = j + 1u) {
      var dot = 0.0;
      for (var d = 0u; d < ${D}u; d = d + 1u) { dot = dot + q[d] * kt[j * ${D}u + d]; }
      ${score('iq', 'j0 + j')}
      ${pds('row', 'km[j]')}
      var dp = 0.0;
      for (var d = 0u; d < ${Dv}u; d = d + 1u) { dp = dp + go[d] * vt[j * ${Dv}u + d]; }
      var ds = p * (dp - row.z);
      ${a.mask ? 'if (!kept) { ds = 0.0; }' : ''}
      for (var d = 0u; d < ${D}u; d = d + 1u) { acc[d] = acc[d] + ds * kt[j * ${D}u + d]; }
      ${writeScores ? 'if (live) { dsc[(bh * Tq + i) * Tk + j0 + j] = ds; }' : ''}
    }
  }
  if (live) {
    for (var d = 0u; d < ${D}u; d = d + 1u) { dqs[(bh * Tq + i) * ${D}u + d] = mf(7u) * acc[d]; }
  }
}`,
      bindings: bind.list,
      meta,
      workgroups: [Math.ceil(Tq / ROWS), B * H, 1],
    });
  }

  // ---- 3. dk, dv: a workgroup per key tile, query tiles (q, gradOut, stats) streamed
  if (Tk > 0) {
    const BQ = Math.max(1, Math.min(ROWS, Math.floor(limit / ((Dp + Dvp + 4) * 4))));
    const bind = new Bindings().add('qs', st(a.q), 'read').add('ks', st(a.k), 'read').add('vs', st(a.v), 'read');
    if (a.bias) bind.add('bias', st(a.bias), 'read');
    bind.add('gos', st(a.gradOut), 'read').add('stats', stats, 'read', 'vec4<f32>').add('dks', dk, 'write').add('dvs', dv, 'write');
    rt.dispatch({
      key: `nn:attentionBackward:dkv:${spec}:Q${BQ}`,
      code: () => `${bind.header(meta.length)}
var<workgroup> qt: array<f32, ${BQ * Dp}>;
var<workgroup> gt: array<f32, ${BQ * Dvp}>;
var<workgroup> rs: array<vec4<f32>, ${BQ}>;

@compute @workgroup_size(${ROWS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {${HEAD}
  let j = wid.x * ${ROWS}u + t;
  let live = j < Tk;
  let jk = min(j, Tk - 1u);
  var k: array<f32, ${Dp}>;
  for (var d = 0u; d < ${D}u; d = d + 1u) { k[d] = ks[(bh * Tk + jk) * ${D}u + d]; }
  var v: array<f32, ${Dvp}>;
  for (var d = 0u; d < ${Dv}u; d = d + 1u) { v[d] = vs[(bh * Tk + jk) * ${Dv}u + d]; }
  var dka: array<f32, ${Dp}>;
  for (var d = 0u; d < ${D}u; d = d + 1u) { dka[d] = 0.0; }
  var dva: array<f32, ${Dvp}>;
  for (var d = 0u; d < ${Dv}u; d = d + 1u) { dva[d] = 0.0; }
  ${a.mask ? 'let kReal = stats[bh * Tq + jk].w;' : ''}
  for (var i0 = 0u; i0 < Tq; i0 = i0 + ${BQ}u) {
    let ni = min(${BQ}u, Tq - i0);
    workgroupBarrier();
    for (var e = t; e < ni * ${D}u; e = e + ${ROWS}u) { qt[e] = qs[(bh * Tq + i0) * ${D}u + e]; }
    for (var e = t; e < ni * ${Dv}u; e = e + ${ROWS}u) { gt[e] = gos[(bh * Tq + i0) * ${Dv}u + e]; }
    for (var e = t; e < ni; e = e + ${ROWS}u) { rs[e] = stats[bh * Tq + i0 + e]; }
    workgroupBarrier();
    for (var ii = 0u; ii < ni; ii = ii + 1u) {
      var dot = 0.0;
      for (var d = 0u; d < ${D}u; d = d + 1u) { dot = dot + qt[ii * ${D}u + d] * k[d]; }
      ${score('i0 + ii', 'jk')}
      let row = rs[ii];
      ${pds('row', 'kReal')}
      var dp = 0.0;
      for (var d = 0u; d < ${Dv}u; d = d + 1u) {
        let g = gt[ii * ${Dv}u + d];
        dva[d] = dva[d] + p * g;
        dp = dp + g * v[d];
      }
      var ds = p * (dp - row.z);
      ${a.mask ? 'if (!kept) { ds = 0.0; }' : ''}
      for (var d = 0u; d < ${D}u; d = d + 1u) { dka[d] = dka[d] + ds * qt[ii * ${D}u + d]; }
    }
  }
  if (live) {
    for (var d = 0u; d < ${D}u; d = d + 1u) { dks[(bh * Tk + j) * ${D}u + d] = mf(7u) * dka[d]; }
    for (var d = 0u; d < ${Dv}u; d = d + 1u) { dvs[(bh * Tk + j) * ${Dv}u + d] = dva[d]; }
  }
}`,
      bindings: bind.list,
      meta,
      workgroups: [Math.ceil(Tk / ROWS), B * H, 1],
    });
  }
  rt.release(stats); // deferred until the pending batch that reads it is submitted
  return outs;
}
