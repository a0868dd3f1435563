import type { TensorRef } from '../../backend.js';
import { broadcastStrides } from '../../shape.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { LANE_PARAM, LANE_SHARING_ENABLE, tileRowLoop } from './lane-sharing.js';
import { CONSTS, F32_MAX, Meta, metaDecl } from './common.js';

/**
 * Fused attention backward (FlashAttention-2 style), two or three dispatches and no [Tq, Tk] buffer:
 *  1. stats: a workgroup per 32 query rows streams K tiles through workgroup memory and recomputes each row's
 *     softmax statistics (max, 1/Σexp) with the score arithmetic of the primitive's spec (scale·(q·k) + bias + mask
 *     term), plus Δ_i = gradOut_i·out_i and the row's pad-mask bit -> stats [B·H·Tq] vec4 (16 bytes a query row).
 *  2. dq: a workgroup per 32·R query rows streams K and V tiles: p_ij = exp(s_ij − max_i)/sum_i,
 *     ds_ij = p_ij·(gradOut_i·v_j − Δ_i), dq_i = scale·Σ_j ds_ij·k_j (and, with a bias, dscores = ds).
 *     Where its bindings fit the limit (no bias), this kernel takes its rows' statistics itself in a first pass
 *     over the K tiles and writes them for step 3, and step 1 is not dispatched (one dispatch fewer per call).
 *  3. dk, dv: a workgroup per 32·R key rows streams query tiles (q, gradOut, stats): dv_j = Σ_i p_ij·gradOut_i,
 *     dk_j = scale·Σ_i ds_ij·q_i.
 * Tiles are vec4 rows in workgroup memory; each invocation keeps its rows and accumulators as vec4 registers, and
 * the D / Dv loops are unrolled at generation time (D and Dv are part of the pipeline key).
 * Pairs the pad mask drops get −3.4028235e38 added to their score (as in the forward) and ds = 0 (that score is a
 * constant in f32). In the three-dispatch form the mask bits travel in the stats rows so that no dispatch needs
 * more than 8 storage buffers; the fused dq kernel binds the mask itself.
 * No infinity is assumed (as in the forward): the running maximum starts at −F32_MAX and only grows, a −inf score
 * (a −inf bias) weighs exp(−inf) = 0, and a row whose every score is −inf keeps l = 0 and is marked by inv = 0.
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
  /** v, out, gradOut (and dv) are [B, T, H, Dv]: see the attention primitive. */
  tokenMajorValues: boolean;
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

const range = (n: number): number[] => [...Array(n).keys()];

/** vec4 column c of a row of `len` floats starting at `base` in `arr` (zero past the end of the row). */
function load4(arr: string, base: string, c: number, len: number): string {
  return `vec4<f32>(${[0, 1, 2, 3].map((e) => (c * 4 + e < len ? `${arr}[${base} + ${c * 4 + e}u]` : '0.0')).join(', ')})`;
}

/** Cooperative copy of `rows` rows of `len` floats (tile row jj is row `row(jj)` of `src`) into a vec4 workgroup tile. */
function loadTile(tile: string, src: string, row: (jj: string) => string, rows: string, len: number): string {
  const n4 = Math.ceil(len / 4);
  const body =
    len % 4 === 0
      ? `${tile}[e] = vec4<f32>(${src}[o], ${src}[o + 1u], ${src}[o + 2u], ${src}[o + 3u]);`
      : `var x = vec4<f32>(0.0);
      for (var z = 0u; z < 4u; z = z + 1u) { if (c * 4u + z < ${len}u) { x[z] = ${src}[o + z]; } }
      ${tile}[e] = x;`;
  return `for (var e = t; e < (${rows}) * ${n4}u; e = e + ${ROWS}u) {
      let c = e % ${n4}u;
      let o = (${row(`e / ${n4}u`)}) * ${len}u + c * 4u;
      ${body}
    }`;
}

/** Σ_c dot(a[c], b[bo + c]) over n4 vec4 columns, unrolled. */
const dotRow = (a: string, b: string, bo: string, n4: number) => range(n4).map((c) => `dot(${a}[${c}], ${b}[${bo} + ${c}u])`).join(' + ') || '0.0';

/**
 * Rows (query rows for dq, key rows for dk/dv) per invocation: each tile element read then serves R rows. R = 2 is
 * ~1.5× faster than R = 1 on lavapipe at D = Dv = 64, but the unrolled shaders then take ~3× longer to compile
 * there (≈ 40 s vs 15 s without Mesa's shader cache), so wide heads use R = 1 unless MMADA_ATTN_BWD_R says otherwise.
 */
function rowsPerInvocation(D: number, Dv: number, T: number): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.MMADA_ATTN_BWD_R;
  if (env) return Math.max(1, Number(env) | 0);
  if (T <= ROWS) return 1;
  return D + Dv <= 64 ? 2 : 1;
}

export function attentionBackward(rt: Runtime, a: AttentionBackwardInputs): GPUStorage[] {
  // the dq and dk/dv loops read each tile row in every lane: one lane reads it on 8-lane subgroups (lane-sharing.ts)
  const share = rt.laneSharing;
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
  const D4 = Math.max(1, Math.ceil(D / 4)); // WGSL arrays need a positive length
  const V4 = Math.max(1, Math.ceil(Dv / 4));
  const bs = a.bias ? broadcastStrides(a.bias.shape, [B, H, Tq, Tk]) : [0, 0, 0, 0];
  const meta = new Meta().u32(H, Tq, Tk, ...bs).f32(a.scale).array();
  const spec = `D${D}:V${Dv}:${a.mask ? 'm' : ''}${a.bias ? 'b' : ''}${a.tokenMajorValues ? 't' : ''}`;
  /** Row of v, out, gradOut or dv holding (b, h, t): [B, H, T, ·] rows, or [B, T, H, ·] with tokenMajorValues. */
  const vrow = (t: string, T: string) => (a.tokenMajorValues ? `((b * ${T} + ${t}) * H + h)` : `(bh * ${T} + ${t})`);
  const stats = rt.createStorage(B * H * Tq * 16);
  /** s = scale·(q·k) (+ bias at query i, key j), as the cpu oracle rounds it. */
  const score = (dotExpr: string, i: string, j: string) =>
    `var s = mf(7u) * (${dotExpr});${a.bias ? `\n      s = s + bias[b * m(3u) + h * m(4u) + (${i}) * m(5u) + (${j}) * m(6u)];` : ''}`;
  /** Private vec4 row `name` of `len` floats at row `row` of `arr`. */
  const privRow = (name: string, arr: string, row: string, len: number, n4: number) =>
    `var ${name}: array<vec4<f32>, ${n4}>;
  { let rb = (${row}) * ${len}u;
${range(n4).map((c) => `    ${name}[${c}] = ${load4(arr, 'rb', c, len)};`).join('\n')} }`;
  const zeros = (name: string, n4: number) => `var ${name}: array<vec4<f32>, ${n4}>;\n${range(n4).map((c) => `  ${name}[${c}] = vec4<f32>(0.0);`).join('\n')}`;
  /** Writes private vec4 row `name` (times `mul`) to row `row` of `arr`. */
  const store = (arr: string, row: string, name: string, len: number, mul = '') =>
    `{ let rb = (${row}) * ${len}u;
${range(len).map((e) => `    ${arr}[rb + ${e}u] = ${mul}${name}[${e >> 2}][${e & 3}];`).join('\n')} }`;

  // dq with its own statistics pass: q, k, v, mask, out, gradOut, stats, dq (a bias adds two more)
  const maxBuffers = rt.device.limits.maxStorageBuffersPerShaderStage;
  const fusedStats = !a.bias && 7 + (a.mask ? 1 : 0) <= maxBuffers;

  // ---- 1. row statistics: (max, 1/sum, Δ, mask bit) per query row
  if (Tq > 0 && !fusedStats) {
    const BK = Math.max(1, Math.min(ROWS, Math.floor(limit / (D4 * 16))));
    const bind = new Bindings().add('qs', st(a.q), 'read').add('ks', st(a.k), 'read');
    if (a.mask) bind.add('mask', st(a.mask), 'read', 'u32');
    if (a.bias) bind.add('bias', st(a.bias), 'read');
    bind.add('outs', st(a.out), 'read').add('gos', st(a.gradOut), 'read').add('stats', stats, 'write', 'vec4<f32>');
    rt.dispatch({
      key: `nn:attentionBackward:stats:${spec}:K${BK}`,
      code: () => `${bind.header(meta.length)}
var<workgroup> kt: array<vec4<f32>, ${BK * D4}>;
${a.mask ? `var<workgroup> km: array<u32, ${BK}>;` : ''}

@compute @workgroup_size(${ROWS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {${HEAD}
  let i = wid.x * ${ROWS}u + t;
  let iq = min(i, Tq - 1u);
  ${privRow('q', 'qs', 'bh * Tq + iq', D, D4)}
  var delta = 0.0;
  for (var d = 0u; d < ${Dv}u; d = d + 1u) { delta = delta + gos[${vrow('iq', 'Tq')} * ${Dv}u + d] * outs[${vrow('iq', 'Tq')} * ${Dv}u + d]; }
  ${a.mask ? 'let qReal = mask[b * Tq + iq] != 0u;' : ''}
  var mrun = -${F32_MAX};
  var started = false;
  var l = 0.0;
  var sc: array<f32, ${BK}>;
  for (var j0 = 0u; j0 < Tk; j0 = j0 + ${BK}u) {
    let nk = min(${BK}u, Tk - j0);
    workgroupBarrier();
    ${loadTile('kt', 'ks', (jj) => `bh * Tk + j0 + ${jj}`, 'nk', D)}
    ${a.mask ? `for (var e = t; e < nk; e = e + ${ROWS}u) { km[e] = mask[b * Tk + j0 + e]; }` : ''}
    workgroupBarrier();
    var tmax = -${F32_MAX};
    for (var j = 0u; j < nk; j = j + 1u) {
      let kb = j * ${D4}u;
      ${score(dotRow('q', 'kt', 'kb', D4), 'iq', 'j0 + j')}
      ${a.mask ? `if (!(qReal && km[j] != 0u)) { s = s + ${MASKED}; }` : ''}
      sc[j] = s;
      tmax = max(tmax, s);
    }
    let mnew = max(mrun, tmax);
    if (started && mnew > mrun) { l = l * exp(mrun - mnew); }
    for (var j = 0u; j < nk; j = j + 1u) { l = l + select(exp(sc[j] - mnew), 1.0, sc[j] == mnew); }
    mrun = mnew;
    started = true;
  }
  if (i < Tq) {
    // inv = 0 marks a row whose scores are all -inf: its output is the constant 0, so p = 0 throughout
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
      let p = select(0.0, select(exp(s - ${qs4}.x), 1.0, s == ${qs4}.x) * ${qs4}.y, ${qs4}.y > 0.0);`;

  // ---- 2. dq (and dscores): a workgroup per ROWS·R query rows, K and V tiles streamed
  if (Tq > 0) {
    const R = rowsPerInvocation(D, Dv, Tq);
    const rows = range(R);
    const BK = Math.max(1, Math.min(ROWS, Math.floor((limit - 128) / ((D4 + V4) * 16))));
    const writeScores = !!dscores && Tq * Tk > 0;
    const bind = new Bindings().add('qs', st(a.q), 'read').add('ks', st(a.k), 'read').add('vs', st(a.v), 'read');
    if (a.bias) bind.add('bias', st(a.bias), 'read');
    if (fusedStats) {
      if (a.mask) bind.add('mask', st(a.mask), 'read', 'u32');
      bind.add('outs', st(a.out), 'read');
    }
    bind.add('gos', st(a.gradOut), 'read').add('stats', stats, fusedStats ? 'write' : 'read', 'vec4<f32>').add('dqs', dq, 'write');
    if (writeScores) bind.add('dsc', dscores!, 'write');
    /** The key's mask bit of tile row e: the mask itself, or the stats rows step 1 wrote. */
    const keyBit = (e: string) => (fusedStats ? `select(0.0, 1.0, mask[b * Tk + j0 + ${e}] != 0u)` : `stats[bh * Tk + j0 + ${e}].w`);
    /** Each row's statistics as step 1 takes them, R rows at once over the same K tiles (kt, km), written to stats. */
    const ownStats = () => `${rows
      .map(
        (r) => `  var delta${r} = 0.0;
  { let ob = ${vrow(`iq${r}`, 'Tq')} * ${Dv}u;
    for (var d = 0u; d < ${Dv}u; d = d + 1u) { delta${r} = delta${r} + gos[ob + d] * outs[ob + d]; } }
  ${a.mask ? `let qReal${r} = mask[b * Tq + iq${r}] != 0u;` : ''}
  var mrun${r} = -${F32_MAX};
  var started${r} = false;
  var l${r} = 0.0;
  var sc${r}: array<f32, ${BK}>;`,
      )
      .join('\n')}
  for (var j0 = 0u; j0 < Tk; j0 = j0 + ${BK}u) {
    let nk = min(${BK}u, Tk - j0);
    workgroupBarrier();
    ${loadTile('kt', 'ks', (jj) => `bh * Tk + j0 + ${jj}`, 'nk', D)}
    ${a.mask ? `for (var e = t; e < nk; e = e + ${ROWS}u) { km[e] = ${keyBit('e')}; }` : ''}
    workgroupBarrier();
${rows
  .map(
    (r) => `    {
    var tmax = -${F32_MAX};
    for (var j = 0u; j < nk; j = j + 1u) {
      let kb = j * ${D4}u;
      ${score(dotRow(`q${r}`, 'kt', 'kb', D4), `iq${r}`, 'j0 + j')}
      ${a.mask ? `if (!(qReal${r} && km[j] != 0.0)) { s = s + ${MASKED}; }` : ''}
      sc${r}[j] = s;
      tmax = max(tmax, s);
    }
    let mnew = max(mrun${r}, tmax);
    if (started${r} && mnew > mrun${r}) { l${r} = l${r} * exp(mrun${r} - mnew); }
    for (var j = 0u; j < nk; j = j + 1u) { l${r} = l${r} + select(exp(sc${r}[j] - mnew), 1.0, sc${r}[j] == mnew); }
    mrun${r} = mnew;
    started${r} = true;
    }`,
  )
  .join('\n')}
  }
${rows
  .map(
    (r) => `  let row${r} = vec4<f32>(mrun${r}, select(0.0, 1.0 / l${r}, l${r} > 0.0), delta${r}, ${a.mask ? `select(0.0, 1.0, qReal${r})` : '1.0'});
  if (i${r} < Tq) { stats[bh * Tq + i${r}] = row${r}; }`,
  )
  .join('\n')}`;
    rt.dispatch({
      key: `nn:attentionBackward:dq:${spec}:K${BK}:R${R}:${writeScores ? 'ds' : ''}${fusedStats ? ':st' : ''}${share ? ':lanes' : ''}`,
      code: () => `${share ? LANE_SHARING_ENABLE : ''}${bind.header(meta.length)}
var<workgroup> kt: array<vec4<f32>, ${BK * D4}>;
var<workgroup> vt: array<vec4<f32>, ${BK * V4}>;
var<workgroup> km: array<f32, ${BK}>;

@compute @workgroup_size(${ROWS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32${share ? `, ${LANE_PARAM}` : ''}) {${HEAD}
${rows
  .map(
    (r) => `  let i${r} = wid.x * ${ROWS * R}u + ${r * ROWS}u + t;
  let iq${r} = min(i${r}, Tq - 1u);
  ${privRow(`q${r}`, 'qs', `bh * Tq + iq${r}`, D, D4)}
  ${privRow(`go${r}`, 'gos', vrow(`iq${r}`, 'Tq'), Dv, V4)}
  ${zeros(`acc${r}`, D4)}
  ${fusedStats ? '' : `let row${r} = stats[bh * Tq + iq${r}];`}`,
  )
  .join('\n')}
${fusedStats ? ownStats() : ''}
  for (var j0 = 0u; j0 < Tk; j0 = j0 + ${BK}u) {
    let nk = min(${BK}u, Tk - j0);
    workgroupBarrier();
    ${loadTile('kt', 'ks', (jj) => `bh * Tk + j0 + ${jj}`, 'nk', D)}
    ${loadTile('vt', 'vs', (jj) => vrow(`j0 + ${jj}`, 'Tk'), 'nk', Dv)}
    ${a.mask ? `for (var e = t; e < nk; e = e + ${ROWS}u) { km[e] = ${keyBit('e')}; }` : ''}
    workgroupBarrier();
${tileRowLoop({
  share,
  index: 'j',
  count: 'nk',
  reads: [
    ...range(D4).map((c) => ({ name: `k${c}`, read: (j: string) => `kt[${j} * ${D4}u + ${c}u]` })),
    ...range(V4).map((c) => ({ name: `v${c}`, read: (j: string) => `vt[${j} * ${V4}u + ${c}u]` })),
    ...(a.mask ? [{ name: 'kmj', read: (j: string) => `km[${j}]` }] : []),
  ],
  body: rows
    .map(
      (r) => `      {
      ${score(range(D4).map((c) => `dot(q${r}[${c}], k${c})`).join(' + '), `iq${r}`, 'j0 + j')}
      ${pds(`row${r}`, 'kmj')}
      let dp = ${range(V4).map((c) => `dot(go${r}[${c}], v${c})`).join(' + ')};
      var ds = p * (dp - row${r}.z);
      ${a.mask ? 'if (!kept) { ds = 0.0; }' : ''}
      let ds4 = vec4<f32>(ds);
${range(D4).map((c) => `      acc${r}[${c}] = fma(ds4, k${c}, acc${r}[${c}]);`).join('\n')}
      ${writeScores ? `if (i${r} < Tq) { dsc[(bh * Tq + i${r}) * Tk + j0 + j] = ds; }` : ''}
      }`,
    )
    .join('\n'),
})}
  }
  let scale = mf(7u);
${rows.map((r) => `  if (i${r} < Tq) {
    ${store('dqs', `bh * Tq + i${r}`, `acc${r}`, D, 'scale * ')}
  }`).join('\n')}
}`,
      bindings: bind.list,
      meta,
      workgroups: [Math.ceil(Tq / (ROWS * R)), B * H, 1],
    });
  }

  // ---- 3. dk, dv: a workgroup per ROWS·R key rows, query tiles (q, gradOut, stats) streamed
  if (Tk > 0) {
    const R = rowsPerInvocation(D, Dv, Tk);
    const rows = range(R);
    const BQ = Math.max(1, Math.min(ROWS, Math.floor(limit / ((D4 + V4 + 1) * 16))));
    const bind = new Bindings().add('qs', st(a.q), 'read').add('ks', st(a.k), 'read').add('vs', st(a.v), 'read');
    if (a.bias) bind.add('bias', st(a.bias), 'read');
    bind.add('gos', st(a.gradOut), 'read').add('stats', stats, 'read', 'vec4<f32>').add('dks', dk, 'write').add('dvs', dv, 'write');
    rt.dispatch({
      key: `nn:attentionBackward:dkv:${spec}:Q${BQ}:R${R}${share ? ':lanes' : ''}`,
      code: () => `${share ? LANE_SHARING_ENABLE : ''}${bind.header(meta.length)}
var<workgroup> qt: array<vec4<f32>, ${BQ * D4}>;
var<workgroup> gt: array<vec4<f32>, ${BQ * V4}>;
var<workgroup> rs: array<vec4<f32>, ${BQ}>;

@compute @workgroup_size(${ROWS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32${share ? `, ${LANE_PARAM}` : ''}) {${HEAD}
${rows
  .map(
    (r) => `  let j${r} = wid.x * ${ROWS * R}u + ${r * ROWS}u + t;
  let jk${r} = min(j${r}, Tk - 1u);
  ${privRow(`k${r}`, 'ks', `bh * Tk + jk${r}`, D, D4)}
  ${privRow(`v${r}`, 'vs', vrow(`jk${r}`, 'Tk'), Dv, V4)}
  ${zeros(`dka${r}`, D4)}
  ${zeros(`dva${r}`, V4)}
  ${a.mask ? `let kReal${r} = stats[bh * Tq + jk${r}].w;` : ''}`,
  )
  .join('\n')}
  for (var i0 = 0u; i0 < Tq; i0 = i0 + ${BQ}u) {
    let ni = min(${BQ}u, Tq - i0);
    workgroupBarrier();
    ${loadTile('qt', 'qs', (jj) => `bh * Tq + i0 + ${jj}`, 'ni', D)}
    ${loadTile('gt', 'gos', (jj) => vrow(`i0 + ${jj}`, 'Tq'), 'ni', Dv)}
    for (var e = t; e < ni; e = e + ${ROWS}u) { rs[e] = stats[bh * Tq + i0 + e]; }
    workgroupBarrier();
${tileRowLoop({
  share,
  index: 'ii',
  count: 'ni',
  reads: [
    ...range(D4).map((c) => ({ name: `q${c}`, read: (i: string) => `qt[${i} * ${D4}u + ${c}u]` })),
    ...range(V4).map((c) => ({ name: `g${c}`, read: (i: string) => `gt[${i} * ${V4}u + ${c}u]` })),
    { name: 'row', read: (i: string) => `rs[${i}]` },
  ],
  body: rows
  .map(
    (r) => `      {
      ${score(range(D4).map((c) => `dot(q${c}, k${r}[${c}])`).join(' + '), 'i0 + ii', `jk${r}`)}
      ${pds('row', `kReal${r}`)}
      let p4 = vec4<f32>(p);
${range(V4).map((c) => `      dva${r}[${c}] = fma(p4, g${c}, dva${r}[${c}]);`).join('\n')}
      let dp = ${range(V4).map((c) => `dot(g${c}, v${r}[${c}])`).join(' + ')};
      var ds = p * (dp - row.z);
      ${a.mask ? 'if (!kept) { ds = 0.0; }' : ''}
      let ds4 = vec4<f32>(ds);
${range(D4).map((c) => `      dka${r}[${c}] = fma(ds4, q${c}, dka${r}[${c}]);`).join('\n')}
      }`,
  )
  .join('\n'),
})}
  }
  let scale = mf(7u);
${rows
  .map(
    (r) => `  if (j${r} < Tk) {
    ${store('dks', `bh * Tk + j${r}`, `dka${r}`, D, 'scale * ')}
    ${store('dvs', vrow(`j${r}`, 'Tk'), `dva${r}`, Dv)}
  }`,
  )
  .join('\n')}
}`,
      bindings: bind.list,
      meta,
      workgroups: [Math.ceil(Tk / (ROWS * R)), B * H, 1],
    });
  }
  rt.release(stats); // deferred until the pending batch that reads it is submitted
  return outs;
}
