import type { TensorRef } from '../../backend.js';
import { broadcastStrides } from '../../shape.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { CONSTS, F32_MAX, Meta, metaDecl } from './common.js';
import { LANE_PARAM, LANE_SHARING_ENABLE, tileRowLoop } from './lane-sharing.js';

/** Invocations per workgroup. */
const WGS = 32;
/** Workgroup memory budget for the K and V tiles: the WebGPU default limit, so every adapter can run it. */
const TILE_BYTES = 16384;

export interface AttentionInputs {
  q: TensorRef;
  k: TensorRef;
  v: TensorRef;
  mask: TensorRef | null;
  bias: TensorRef | null;
  scale: number;
  /** v [B, Tk, H, Dv] and out [B, Tq, H, Dv]: see the attention primitive. */
  tokenMajorValues: boolean;
}

/**
 * Query rows per invocation: more rows share each K/V load from workgroup memory, but hold more private state.
 * B1 H4 T256 D64 on lavapipe: R = 1 42 ms, 2 40 ms, 4 13-17 ms, 8 21 ms (32 invocations; 16 or 64 were slower
 * at R = 4). The previous one-row-per-invocation scalar kernel took 75 ms, a scratch-buffer kernel 226 ms.
 */
function rowsPerInvocation(D: number, Dv: number, Tq: number): number {
  if (Tq <= WGS) return 1;
  // no more rows than the queries fill: at Tq = 64, R = 4 left half the invocations computing clamped copies
  // (B16 H4 T64 D32: 1.25-1.6x faster at R = 2)
  if (Tq <= 2 * WGS) return 2;
  return D + Dv <= 256 ? 4 : 2;
}

/**
 * Fused bidirectional attention (flash-attention style), one dispatch. A workgroup owns WGS·R query rows of one
 * (b, h); each invocation keeps R query rows (pre-scaled) and their output accumulators in registers as vec4s.
 * K and V are streamed through workgroup memory in tiles of BK keys (zero-padded to vec4 columns); per tile each
 * invocation computes its R×BK scores (every K vec4 read once serves R rows), updates the running max once,
 * rescales the accumulators once (online softmax), then accumulates P·V (every V vec4 read once serves R rows).
 * The [Tq, Tk] score matrix never exists in memory. Dot products and row loops are unrolled at generation time
 * (D and Dv are part of the pipeline key).
 * Pad-mask arithmetic follows the spec exactly: the score of a non-kept pair gets −3.4028235e38 added.
 * No infinity is assumed: the running maximum starts at −F32_MAX (the lowest a pad-masked score can be), the
 * accumulators are rescaled only when it grows, and a score of −inf (a −inf bias) gets weight exp(−inf) = 0, so
 * a row whose every score is −inf has l = 0 and gives 0. With finite sentinels that bias is −F32_MAX, the row's
 * scores are all −F32_MAX and it is uniform, as the same arithmetic in f64 gives.
 */
export function attention(rt: Runtime, a: AttentionInputs): GPUStorage {
  const [B, H, Tq, D] = a.q.shape as [number, number, number, number];
  const Tk = a.k.shape[2]!;
  const Dv = a.v.shape[3]!;
  const y = rt.createStorage(B * H * Tq * Dv * 4);
  /** Row of v or out holding (b, h, t): [B, H, T, Dv] rows, or [B, T, H, Dv] with tokenMajorValues. */
  const vrow = (t: string, T: string) => (a.tokenMajorValues ? `((b * ${T} + ${t}) * H + h)` : `(bh * ${T} + ${t})`);
  if (B * H * Tq * Dv === 0) return y;
  const D4 = Math.ceil(D / 4);
  const V4 = Math.ceil(Dv / 4);
  const R = rowsPerInvocation(D, Dv, Tq);
  const BQ = WGS * R;
  const limit = Math.min(TILE_BYTES, rt.device.limits.maxComputeWorkgroupStorageSize);
  const BK = Math.max(1, Math.min(32, Math.floor((limit - 128) / ((D4 + V4) * 16))));
  if (B * H > rt.maxWorkgroupsPerDim) throw new Error(`webgpu attention: B·H = ${B * H} exceeds ${rt.maxWorkgroupsPerDim}`);
  const bs = a.bias ? broadcastStrides(a.bias.shape, [B, H, Tq, Tk]) : [0, 0, 0, 0];
  const meta = new Meta().u32(H, Tq, Tk, ...bs).f32(a.scale);
  const bindings: { storage: GPUStorage; kind: 'read' | 'write' }[] = [a.q, a.k, a.v].map((t) => ({ storage: t.storage as GPUStorage, kind: 'read' as const }));
  const decls = ['qs', 'ks', 'vs'].map((n, i) => `@group(0) @binding(${i}) var<storage, read> ${n}: array<f32>;`);
  const hasMask = !!a.mask;
  const hasBias = !!a.bias;
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

  const rows = [...Array(R).keys()];
  const cols4 = (n: number) => [...Array(n).keys()];
  // vec4 column c of a row of `len` floats starting at `base` in `arr`, zero past the end
  const load4 = (arr: string, base: string, c: number, len: number): string => {
    const parts = [0, 1, 2, 3].map((e) => (c * 4 + e < len ? `${arr}[${base} + ${c * 4 + e}u]` : '0.0'));
    return `vec4<f32>(${parts.join(', ')})`;
  };
  // one key's scores: k(c) is the key's vec4 column c, km its mask word
  const scoreLines = (k: (c: number) => string, km: string) =>
    rows
      .map((r) => {
        const dotExpr = cols4(D4).map((c) => `dot(q${r}[${c}], ${k(c)})`).join(' + ');
        let line = `      var s${r} = ${dotExpr};`;
        if (hasBias) line += `\n      s${r} = s${r} + bias[biasRow${r} + (j0 + j) * m(6u)];`;
        if (hasMask) line += `\n      if (!(qReal${r} && ${km} != 0u)) { s${r} = s${r} + -3.4028234663852886e38; }`;
        line += `\n      sc${r}[j] = s${r}; tmax${r} = max(tmax${r}, s${r});`;
        return line;
      })
      .join('\n');
  const pvLines = (v: (c: number) => string) =>
    cols4(V4)
      .map((c) => `        { let vv = ${v(c)};${rows.map((r) => ` acc${r}[${c}] = fma(vec4<f32>(p${r}), vv, acc${r}[${c}]);`).join('')} }`)
      .join('\n');
  const pLines = rows.map((r) => `      let p${r} = select(exp(sc${r}[j] - m${r}), 1.0, sc${r}[j] == m${r});\n      l${r} = l${r} + p${r};`).join('\n');
  // Lane sharing (lane-sharing.ts): every invocation reads each key's K and V row from the tile, so on 8-lane
  // subgroups one lane reads each (B16 H4 T64 D32 on lavapipe: about 2x faster).
  const share = rt.laneSharing;
  const scoreLoop = tileRowLoop({
    share,
    index: 'j',
    count: 'nk',
    reads: [...cols4(D4).map((c) => ({ name: `k${c}`, read: (j: string) => `kt[${j} * ${D4}u + ${c}u]` })), ...(hasMask ? [{ name: 'kmj', read: (j: string) => `km[${j}]` }] : [])],
    body: scoreLines((c) => `k${c}`, 'kmj'),
  });
  const pvLoop = tileRowLoop({
    share,
    index: 'j',
    count: 'nk',
    reads: cols4(V4).map((c) => ({ name: `v${c}`, read: (j: string) => `vt[${j} * ${V4}u + ${c}u]` })),
    body: `${pLines}\n${pvLines((c) => `v${c}`)}`,
  });
  const code = `${share ? LANE_SHARING_ENABLE : ''}${CONSTS}
${decls.join('\n')}
${metaDecl(decls.length, meta.length)}
var<workgroup> kt: array<vec4<f32>, ${BK * D4}>;
var<workgroup> vt: array<vec4<f32>, ${BK * V4}>;
${hasMask ? `var<workgroup> km: array<u32, ${BK}>;` : ''}

@compute @workgroup_size(${WGS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32${share ? `, ${LANE_PARAM}` : ''}) {
  let H = m(0u); let Tq = m(1u); let Tk = m(2u); let scale = mf(7u);
  let bh = wid.y;
  let b = bh / H; let h = bh % H;
${rows
  .map(
    (r) => `  let i${r} = wid.x * ${BQ}u + ${r * WGS}u + t;
  let iq${r} = min(i${r}, Tq - 1u);
  var q${r}: array<vec4<f32>, ${D4}>;
  { let qb = (bh * Tq + iq${r}) * ${D}u;
${cols4(D4).map((c) => `    q${r}[${c}] = scale * ${load4('qs', 'qb', c, D)};`).join('\n')} }
  var acc${r}: array<vec4<f32>, ${V4}>;
  var m${r} = -${F32_MAX};
  var started${r} = false;
  var l${r} = 0.0;
  var sc${r}: array<f32, ${BK}>;
  ${hasMask ? `let qReal${r} = mask[b * Tq + iq${r}] != 0u;` : ''}
  ${hasBias ? `let biasRow${r} = b * m(3u) + h * m(4u) + iq${r} * m(5u);` : ''}`,
  )
  .join('\n')}
  for (var j0 = 0u; j0 < Tk; j0 = j0 + ${BK}u) {
    let nk = min(${BK}u, Tk - j0);
    workgroupBarrier();
    for (var e = t; e < nk * ${D4}u; e = e + ${WGS}u) {
      let jj = e / ${D4}u; let c = e % ${D4}u;
      let src = (bh * Tk + j0 + jj) * ${D}u + c * 4u;
      ${D % 4 === 0 ? `kt[e] = vec4<f32>(ks[src], ks[src + 1u], ks[src + 2u], ks[src + 3u]);` : `var kv = vec4<f32>(0.0);
      for (var x = 0u; x < 4u; x = x + 1u) { if (c * 4u + x < ${D}u) { kv[x] = ks[src + x]; } }
      kt[e] = kv;`}
    }
    for (var e = t; e < nk * ${V4}u; e = e + ${WGS}u) {
      let jj = e / ${V4}u; let c = e % ${V4}u;
      let src = ${vrow('j0 + jj', 'Tk')} * ${Dv}u + c * 4u;
      ${Dv % 4 === 0 ? `vt[e] = vec4<f32>(vs[src], vs[src + 1u], vs[src + 2u], vs[src + 3u]);` : `var vv = vec4<f32>(0.0);
      for (var x = 0u; x < 4u; x = x + 1u) { if (c * 4u + x < ${Dv}u) { vv[x] = vs[src + x]; } }
      vt[e] = vv;`}
    }
    ${hasMask ? `for (var e = t; e < nk; e = e + ${WGS}u) { km[e] = mask[b * Tk + j0 + e]; }` : ''}
    workgroupBarrier();
${rows.map((r) => `    var tmax${r} = -${F32_MAX};`).join('\n')}
${scoreLoop}
${rows
  .map(
    (r) => `    let mn${r} = max(m${r}, tmax${r});
    // rescale what was accumulated when the maximum grows (nothing was before the first tile)
    if (started${r} && mn${r} > m${r}) {
      let alpha = exp(m${r} - mn${r});
      l${r} = l${r} * alpha;
      for (var c = 0u; c < ${V4}u; c = c + 1u) { acc${r}[c] = acc${r}[c] * alpha; }
    }
    m${r} = mn${r};
    started${r} = true;`,
  )
  .join('\n')}
${pvLoop}
  }
${rows
  .map(
    (r) => `  if (i${r} < Tq) {
    let inv = select(0.0, 1.0 / l${r}, l${r} > 0.0);
    let ob = ${vrow(`i${r}`, 'Tq')} * ${Dv}u;
${cols4(V4)
  .map((c) =>
    [0, 1, 2, 3]
      .filter((e) => c * 4 + e < Dv)
      .map((e) => `    out[ob + ${c * 4 + e}u] = acc${r}[${c}][${e}] * inv;`)
      .join('\n'),
  )
  .join('\n')}
  }`,
  )
  .join('\n')}
}`;
  rt.dispatch({
    key: `nn:attention:D${D}:V${Dv}:K${BK}:R${R}:${hasMask ? 'm' : ''}${hasBias ? 'b' : ''}${a.tokenMajorValues ? 't' : ''}${share ? ':lanes' : ''}`,
    code: () => code,
    bindings,
    meta: meta.array(),
    workgroups: [Math.ceil(Tq / BQ), B * H, 1],
  });
  return y;
}
