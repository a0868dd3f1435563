import type { TensorRef } from '../../backend.js';
import type { PrimitiveParams } from '../../primitives.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { Meta, WG, main1d, metaDecl } from './common.js';
import { phases } from './conv-phases.js';
import { LANE_PARAM, LANE_SHARING_ENABLE } from './lane-sharing.js';

type ConvParams = PrimitiveParams['conv2dBackwardInput'];

/**
 * Whether `conv2dBackwardInputRows` computes this input gradient: a 3-wide kernel, undilated across, a horizontal
 * stride of 1 or 2, rows of dx of a multiple of 8 pixels (whole blocks) and of the gradient a multiple of 4 (whole
 * vec4 reads). It took 0.55–0.9 of the GEMM form's CPU time at every such shape measured (bench/conv-vs-matmul.ts:
 * 3 to 512 channels, 8² to 64², one to 32 images, both strides), down to 4 blocks of 8 pixels per phase class (one
 * 8² image at stride 2); half a block idle (rows of 4 or 12 pixels) cost 1.05–1.6×.
 */
export function inputRowsApply(w: readonly number[], p: ConvParams, gradShape: readonly number[], dxShape: readonly number[]): boolean {
  const sw = p.stride[1];
  return w[3] === 3 && p.dilation[1] === 1 && (sw === 1 || sw === 2) && dxShape[3]! % 8 === 0 && gradShape[3]! % 4 === 0;
}

/**
 * Whether `conv2dRows` computes this convolution: a 3-wide kernel, undilated across, stride 1, output rows of a
 * multiple of 8 pixels and input rows of a multiple of 4, and at least 16 blocks of 8 pixels in all. There it took
 * 0.55–0.9 of the GEMM form's CPU time (3 to 512 channels, 8² to 64²); with 8 blocks (one 8² image) its
 * invocations were too few for their long loops, 1.2–1.3× the GEMM's time.
 */
export function forwardRowsApply(w: readonly number[], p: PrimitiveParams['conv2d'], xShape: readonly number[], outShape: readonly number[]): boolean {
  const [N, , Ho, Wo] = outShape as [number, number, number, number];
  const geometry = w[3] === 3 && p.dilation[1] === 1 && p.stride[0] === 1 && p.stride[1] === 1 && Wo % 8 === 0 && xShape[3]! % 4 === 0;
  return geometry && N * Ho * (Wo / 8) >= 16;
}

/**
 * Rows of the output (channels) per invocation: 16 where the lanes share the weights (each fetches one or two rows'
 * and broadcasts them; 16 rows measured 1.15–1.2× faster than 8 on the MAGVIT-v2 encode), 8 where every lane
 * fetches every row's (16 measured 1.1–1.6× slower there), and fewer channels rounded up to a power of two.
 */
function rowsPerInvocation(C: number, share: boolean): number {
  return share && C >= 16 ? 16 : C >= 8 ? 8 : C > 2 ? 4 : C;
}

/**
 * The input gradient of a conv2d with a 3-wide kernel and a horizontal stride of 1 or 2, eight pixels of one row of
 * dx per invocation, written as two vec4s. On a software adapter a store is a scatter (one per lane) and so is a
 * fetch, and the GEMM form pays for both, most where it is weakest:
 * - stride 2: its phase classes write every other pixel of a row, one scalar store each, and at a downsample's
 *   short K those stores cost as much as the multiply-adds. Here both horizontal classes are one invocation's: pixel
 *   x = x0 + d reads gradient column j = (x + left − v) / 2 for the taps v of its parity (two for one parity, one
 *   for the other), so the eight pixels read five gradient values per (o, u), G_t = gradOut[n, o, i, jlo + t], and
 *   row c of dx accumulates, with (w0, w1, w2) = w[o, c, u, 0 … 2] one packed vec4,
 *     left even: (w0, w1, w0, w1)·(G1, G1, G2, G2) + (w2, 0, w2, 0)·(G0, 0, G1, 0), then G shifted by 2;
 *     left odd:  (w1, w0, w1, w0)·(G0, G1, G1, G2) + (0, w2, 0, w2)·(0, G0, 0, G1), likewise
 *   (six of each eight multiply-adds count);
 * - stride 1: the GEMM gathers a patch value per (o, u, v) and column, 12 per (o, u) for 4 pixels; here ten
 *   gradient values per (o, u) feed the three taps of eight pixels, pixel d accumulating
 *   w0·G(d+2) + w1·G(d+1) + w2·G(d) (jlo = x0 + left − 2). With few channels (3 for an RGB input) the GEMM is at
 *   its worst: a row of C is an input channel, so each gathered value fed only C multiply-adds.
 * Rows of dx go by vertical phase class (`phases`), as in the GEMM form, all classes in one dispatch; the weights
 * are first packed as [KH, O, C] vec4s (one small dispatch).
 */
export function conv2dBackwardInputRows(rt: Runtime, g: TensorRef, w: TensorRef, p: ConvParams, outShape: readonly number[]): GPUStorage {
  return rowsConv(rt, g, w, null, false, { stride: p.stride, top: p.padding[0], left: p.padding[2], dilation: p.dilation[0] }, outShape);
}

/**
 * conv2d at stride 1 with a 3-wide kernel by rows: the stride-1 input gradient's kernel above, since a stride-1
 * convolution is the input gradient of one with the kernel transposed (input and output channels) and flipped (rows
 * and columns), and the padding mirrored (top' = (kh − 1)·dh − top, left' = 2 − left). The weights are packed so
 * (flipped), and the bias is added at the store.
 */
export function conv2dRows(rt: Runtime, x: TensorRef, w: TensorRef, bias: TensorRef | null, p: PrimitiveParams['conv2d'], outShape: readonly number[]): GPUStorage {
  const KH = w.shape[2]!;
  const geometry = { stride: [1, 1] as const, top: (KH - 1) * p.dilation[0] - p.padding[0], left: 2 - p.padding[2], dilation: p.dilation[0] };
  return rowsConv(rt, x, w, bias, true, geometry, outShape);
}

interface RowsGeometry {
  readonly stride: readonly [number, number];
  /** Padding above and left of the output, in the input-gradient form (gradient row i = (y + top − u·dh) / sh). */
  readonly top: number;
  readonly left: number;
  /** Vertical dilation (none across). */
  readonly dilation: number;
}

/**
 * The shared kernel, in the input-gradient form: out[n, c, y, x] = Σ_{o, u, v} w'[o, c, u, v] · src[n, o, i, j].
 * `flipped`: w is a forward convolution's [C, O, KH, 3] and w'[o, c, u, v] = w[c, o, KH − 1 − u, 2 − v]; otherwise
 * w is w' ([O, C, KH, 3]).
 */
function rowsConv(
  rt: Runtime,
  src: TensorRef,
  w: TensorRef,
  bias: TensorRef | null,
  flipped: boolean,
  geo: RowsGeometry,
  outShape: readonly number[],
): GPUStorage {
  const [N, O, Ho, Wo] = src.shape as [number, number, number, number];
  const KH = w.shape[2]!;
  const [, C, H, W] = outShape as [number, number, number, number];
  const [sh, sw] = geo.stride;
  const left = geo.left;
  const out = rt.createStorage(N * C * H * W * 4);
  if (N * C * H * W === 0) return out;
  const share = rt.laneSharing;
  const R = rowsPerInvocation(C, share);
  // w' → wq [KH, O, C] of vec4 (w'0, w'1, w'2, 0); R spare vec4s: the last block of rows may read past C
  const wq = rt.createStorage((KH * O * C + R) * 16);
  const pm = new Meta().u32(KH * O * C, O, C, KH);
  rt.dispatch({
    key: `convRows:pack${flipped ? ':flipped' : ''}`,
    code: () => `
@group(0) @binding(0) var<storage, read> ws: array<f32>;
@group(0) @binding(1) var<storage, read_write> wq: array<vec4<f32>>;
${metaDecl(2, pm.length)}
${main1d(`  if (i >= m(0u)) { return; }
  let O = m(1u); let C = m(2u); let KH = m(3u);
  let c = i % C; let o = (i / C) % O; let u = i / (C * O);
${
  flipped
    ? `  let s = ((c * O + o) * KH + KH - 1u - u) * 3u;
  wq[i] = vec4<f32>(ws[s + 2u], ws[s + 1u], ws[s], 0.0);`
    : `  let s = ((o * C + c) * KH + u) * 3u;
  wq[i] = vec4<f32>(ws[s], ws[s + 1u], ws[s + 2u], 0.0);`
}`)}`,
    bindings: [
      { storage: w.storage as GPUStorage, kind: 'read' },
      { storage: wq, kind: 'write' },
    ],
    meta: pm.array(),
    workgroups: rt.grid(Math.ceil((KH * O * C) / WG)),
  });
  const blocks = W / 8;
  const odd = left % 2 !== 0;
  const variant = sw === 1 ? 's1' : odd ? 's2odd' : 's2even';
  // the first gradient column the eight pixels from x0 read, less x0 (stride 1) or x0 / 2 (stride 2)
  const lead = sw === 1 ? left - 2 : odd ? (left - 1) / 2 : left / 2 - 1;
  const code = rowsShader(R, variant, share, !!bias, lead);
  // one dispatch for every vertical phase class: class = gid.z % classes, whose eight words (from word 12) say which
  // rows it has and which gradient rows they read; columns past the per-dimension limit of workgroups wrap onto
  // gid.z / classes (column = gid.x + wrap · 8 · groupsX)
  const classes = phases(KH, sh, geo.dilation, geo.top)
    .map((a, py) => ({ a, py, rows: Math.max(0, Math.ceil((H - py) / sh)) }))
    .filter((k) => k.rows > 0);
  const groups = Math.max(...classes.map((k) => Math.ceil((N * k.rows * blocks) / 8)));
  const groupsX = Math.min(groups, rt.maxWorkgroupsPerDim);
  const meta = new Meta().u32(Math.ceil(C / R) * R, C, O, Ho, Wo, H, W, blocks, sh, 8 * groupsX, classes.length).i32(lead);
  for (const { a, py, rows } of classes) meta.u32(N * rows * blocks, rows, py, a.count, a.first, a.step, a.di).i32(a.base);
  rt.dispatch({
    key: `convRows:${variant}:R${R}:s${((lead % 4) + 4) % 4}${bias ? ':bias' : ''}${share ? ':lanes' : ''}`,
    code: () => code(meta.length),
    bindings: [
      { storage: src.storage as GPUStorage, kind: 'read' },
      { storage: wq, kind: 'read' },
      ...(bias ? [{ storage: bias.storage as GPUStorage, kind: 'read' as const }] : []),
      { storage: out, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: [groupsX, Math.ceil(C / R / 8), classes.length * Math.ceil(groups / groupsX)],
  });
  rt.release(wq);
  return out;
}

type Variant = 's1' | 's2even' | 's2odd';

/**
 * The WGSL of the kernel: invocation (gid.x, gid.y, gid.z) = (image n, row a of the phase class, block of 8
 * pixels) × (block of R channels) × (phase class, and the wrap of the first past the grid's per-dimension limit).
 * The 8 lanes of a subgroup hold the same channels and class (consecutive gid.x), so with lane sharing each lane
 * fetches one or two rows' packed weights and broadcasts them; a tap outside the gradient reads zeros instead of skipping
 * the step, so the lanes stay together.
 */
function rowsShader(R: number, variant: Variant, share: boolean, bias: boolean, lead: number): (metaWords: number) => string {
  const rows = [...Array(R).keys()];
  const nG = variant === 's1' ? 10 : 5;
  const ts = [...Array(nG).keys()];
  // The gradient values are read as whole vec4s: the first column jlo = (x0 or x0 / 2, a multiple of 4) + lead sits
  // at s = lead mod 4 inside its vec4, and G_t is component (s + t) % 4 of vec4 (s + t) / 4. Rows of a multiple of
  // 4 pixels make every vec4 wholly inside a row or wholly outside (read as zeros).
  const s = ((lead % 4) + 4) % 4;
  const vs = [...Array(Math.ceil((s + nG) / 4)).keys()];
  const G = (t: number) => `G${t}`;
  const v4 = (...xs: string[]) => `vec4<f32>(${xs.join(', ')})`;
  // each block (pixels 0-3, 4-7: offset b = 0, 4) as a list of (weights, gradient values) vec4 products
  const terms = (b: number): [string, string][] => {
    if (variant === 's1') return [['vec4<f32>(wv.x)', v4(G(b + 2), G(b + 3), G(b + 4), G(b + 5))], ['vec4<f32>(wv.y)', v4(G(b + 1), G(b + 2), G(b + 3), G(b + 4))], ['vec4<f32>(wv.z)', v4(G(b), G(b + 1), G(b + 2), G(b + 3))]];
    const h = b / 2;
    return variant === 's2even'
      ? [['wv.xyxy', v4(G(h + 1), G(h + 1), G(h + 2), G(h + 2))], ['vec4<f32>(wv.z, 0.0, wv.z, 0.0)', v4(G(h), '0.0', G(h + 1), '0.0')]]
      : [['wv.yxyx', v4(G(h), G(h + 1), G(h + 1), G(h + 2))], ['vec4<f32>(0.0, wv.z, 0.0, wv.z)', v4('0.0', G(h), '0.0', G(h + 1))]];
  };
  const blockSum = (b: number, acc: string) => terms(b).reduce((e, [wt, gv]) => `fma(${wt}, ${gv}, ${e})`, acc);
  // where the eight pixels' gradient columns start, less `lead`: x0, or x0 / 2 at stride 2
  const first = variant === 's1' ? 'i32(x0)' : 'i32(x0 / 2u)';
  const weights = share
    ? [
        ...[...Array(Math.ceil(R / 8)).keys()].map((h) => `      let wMine${h} = wq[wrow + min(lane_ + ${8 * h}u, ${R - 1}u)];`),
        ...rows.map((r) => `      let w${r} = subgroupBroadcast(wMine${r >> 3}, ${r & 7}u);`),
      ]
    : rows.map((r) => `      let w${r} = wq[wrow + ${r}u];`);
  return (metaWords) => `${share ? LANE_SHARING_ENABLE : ''}
@group(0) @binding(0) var<storage, read> gs: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> wq: array<vec4<f32>>;
${bias ? '@group(0) @binding(2) var<storage, read> bs: array<f32>;\n' : ''}@group(0) @binding(${bias ? 3 : 2}) var<storage, read_write> dx: array<vec4<f32>>;
${metaDecl(bias ? 4 : 3, metaWords)}
@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>${share ? `, ${LANE_PARAM}` : ''}) {
  let C = m(1u); let O = m(2u); let Ho = m(3u); let Wo = m(4u); let H = m(5u); let W = m(6u);
  // this invocation's phase class and its words: columns, rows, first row, taps (count, first, step), the
  // gradient rows' step per tap and first row
  let cw = 12u + (gid.z % m(10u)) * 8u;
  let cols = m(cw); let rows = m(cw + 1u); let py = m(cw + 2u);
  let taps = m(cw + 3u); let tap0 = m(cw + 4u); let tapStep = m(cw + 5u); let di = m(cw + 6u); let i0 = mi(cw + 7u);
  let column = gid.x + (gid.z / m(10u)) * m(9u);
  let live = column < cols && gid.y * ${R}u < C;
  ${share ? 'if (subgroupAll(!live)) { return; }' : 'if (!live) { return; }'}
  // a lane past the edge computes the last block (its broadcasts are needed) and stores nothing
  let col = min(column, cols - 1u);
  let c0 = min(gid.y * ${R}u, m(0u) - ${R}u);
  let xb = col % m(7u); let na = col / m(7u); let a = na % rows; let n = na / rows;
  let y = py + m(8u) * a;
  let x0 = xb * 8u;
  // the vec4s of gradient columns qb·4 … : qb = (jlo − s) / 4, jlo = first + lead (lead = mi(11u))
  let qb = (${first} + mi(11u) - ${s}) / 4;
${vs.map((q) => `  let vok${q} = (qb + ${q} >= 0) && (qb + ${q} < i32(Wo / 4u));`).join('\n')}
${rows.map((r) => `  var accA${r} = vec4<f32>(0.0);\n  var accB${r} = vec4<f32>(0.0);`).join('\n')}
  for (var t = 0u; t < taps; t = t + 1u) {
    // tap u of the class reads gradient row i
    let u = tap0 + t * tapStep;
    let i = i0 + i32(a) - i32(t * di);
    let iok = i >= 0 && i < i32(Ho);
    var gb = (n * O * Ho + u32(select(0, i, iok))) * (Wo / 4u);
    var wrow = u * O * C + c0;
    for (var o = 0u; o < O; o = o + 1u) {
${vs.map((q) => `      let ok${q} = vok${q} && iok;\n      let V${q} = select(vec4<f32>(0.0), gs[select(0u, u32(i32(gb) + qb + ${q}), ok${q})], ok${q});`).join('\n')}
${ts.map((t) => `      let ${G(t)} = V${(s + t) >> 2}[${(s + t) & 3}];`).join('\n')}
${weights.join('\n')}
${rows.map((r) => `      { let wv = w${r}; accA${r} = ${blockSum(0, `accA${r}`)}; accB${r} = ${blockSum(4, `accB${r}`)}; }`).join('\n')}
      gb = gb + Ho * (Wo / 4u);
      wrow = wrow + C;
    }
  }
  if (!live) { return; }
  let base = (n * C * H + y) * W + x0;
${rows
  .map(
    (r) => `  if (c0 + ${r}u < C) {
    let at = (base + (c0 + ${r}u) * H * W) / 4u;
    dx[at] = accA${r}${bias ? ` + vec4<f32>(bs[c0 + ${r}u])` : ''};
    dx[at + 1u] = accB${r}${bias ? ` + vec4<f32>(bs[c0 + ${r}u])` : ''};
  }`,
  )
  .join('\n')}
}`;
}
