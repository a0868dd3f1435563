import type { GPUStorage, BindingKind, Runtime } from '../runtime.js';
import { metaDecl } from './common.js';
import { LANE_PARAM, LANE_SHARING_ENABLE } from './lane-sharing.js';

/**
 * The one tiled-GEMM generator behind matmul (f32 and half-precision weights) and conv2d (implicit GEMM):
 * C[M, N] = Σ_k A(m, k) · B(k, n), with where A and B come from given by load hooks (`GemmOperand`) and where C goes
 * by a store hook.
 *
 * Each invocation keeps an R × 4 block of C in registers (R = 8 rows, fewer for small M) and walks K four at a
 * time. Per step it fetches, for each of its R rows, four A elements as one vec4, and a 4 × 4 block of B as four
 * vec4s, so 128 multiply-adds cost R + 4 = 12 fetches. On lavapipe the cost tracks fetches per FMA (a fetch is a
 * gather, one element per SIMD lane; with every fetch removed the same kernel ran 13× faster), and this shape
 * measured best (8 × 4: 41 ms at transB 512, 4 × 4: 46 ms, 4 × 8: 54 ms). With lane sharing (`dispatchGemm`) A
 * costs one broadcast fetch per 8 rows, and R = 16. A fetch reads four elements
 * along one axis: along K (rows of A / columns of B stored K-contiguous), or along M / N (stored the other way);
 * the generator transposes in registers as needed, so all four layouts of a matmul read whole vec4s when the
 * dimension they run along is a multiple of 4. Hooks handle their own bounds: the generator only asks for rows
 * and columns inside C (clamped), and hooks return 0 past K.
 */
export interface GemmOperand {
  /** WGSL module-scope declarations (its bindings and helpers). */
  readonly decl: string;
  /**
   * 'k': `fetch(i, k)` is elements (i, k … k+3) — i a row of A or a column of B; 'mn': `fetch(k, i)` is elements
   * (k, i … i+3), i a multiple of 4 (the generator keeps i + 3 inside M or N when the hook says `aligned`).
   */
  readonly along: 'k' | 'mn';
  /**
   * A WGSL vec4<f32> expression (the arguments are WGSL u32 expressions). An 'mn' operand is fetched at k = 0, 1,
   * 2, … in order, once each per invocation (a hook may keep counters in private variables instead of decomposing
   * k). The row / column argument is `index(i)`
   * when the hook has `index`, else i itself.
   */
  readonly fetch: (first: string, second: string) => string;
  /** WGSL expression of a row's or column's base index, computed once per invocation instead of in every fetch. */
  readonly index?: (i: string) => string;
  /** 'mn' hooks that read a whole vec4 need i + 3 < M (or N): the generator clamps i to M − 4 for them. */
  readonly aligned?: boolean;
  /** WGSL lines at the top of main (after M, N, K, z and any prologue): per-invocation setup of the hook. */
  readonly setup?: string;
  /**
   * The fetch is a pure function of its arguments (and of state that is the same for every invocation at a given
   * k): then, as an A operand, each lane of a subgroup may fetch another row's elements for the others (see
   * `dispatchGemm`). Memory operands are; hooks with per-invocation counters are not.
   */
  readonly laneFetch?: boolean;
}

export interface GemmSpec {
  /** Pipeline key (must identify the hooks and every specialisation). */
  readonly key: string;
  /** Buffers in binding order; the uniform follows them. Declared by the hooks' and the store's `decl`s. */
  readonly bindings: readonly { storage: GPUStorage; kind: BindingKind }[];
  /** Metadata words; words 0, 1, 2 are M, N, K. */
  readonly meta: Uint32Array;
  /** The operands of a single product; a grouped GEMM gives `parts` instead. */
  readonly a?: GemmOperand;
  readonly b?: GemmOperand;
  /**
   * A grouped GEMM: several (A, B) pairs feeding one block of C. With `combine` 'sum' every part's K loop runs, into
   * the same accumulators (C = Σ A_i·B_i); with 'select' the first part whose `when` holds is the invocation's
   * (each part owns a band of C's rows or columns). Operand declarations shared by parts are emitted once.
   */
  readonly parts?: readonly GemmPart[];
  readonly combine?: 'sum' | 'select';
  /** WGSL declarations of the output (and anything the store uses). */
  readonly outDecl: string;
  /** WGSL statement writing value `v` (f32) to C(row, col); only called inside M × N. */
  readonly store: (row: string, col: string, v: string) => string;
  /**
   * Optional: WGSL statement writing C(row, col0 … col0+3) at once (`v` a vec4<f32>), used where all four columns
   * are inside N. On lavapipe a store is a per-invocation scatter, so one vec4 store instead of four scalar ones
   * is a real share of a short-K product's time.
   */
  readonly storeVec4?: (row: string, col0: string, v: string) => string;
  /** WGSL lines after M, N, K and z (= gid.z, the batch index) are defined: e.g. per-batch offsets. */
  readonly prologue?: string;
  /**
   * WGSL statements at the top of every K step (k = the step's first index), before any fetch: where both
   * operands decompose the same k (e.g. into image and pixel), it is done once per step here, not per fetch.
   */
  readonly kStep?: string;
  readonly M: number;
  readonly N: number;
  /** Workgroups along z (batch). */
  readonly batch?: number;
}

/** One K loop of a grouped GEMM (`GemmSpec.parts`). */
export interface GemmPart {
  readonly a: GemmOperand;
  readonly b: GemmOperand;
  /**
   * WGSL lines opening the part's scope: they may shadow M, N, K, row0 and col0 with the part's own extents and
   * origin (the operands' hooks see those); the store after the loops sees the outer ones.
   */
  readonly scope?: string;
  /** With `combine` 'select': the WGSL condition (on the outer row0 / col0) under which this part runs. */
  readonly when?: string;
}

/**
 * Rows of C per invocation: 8, or the largest power of two not above M when smaller (no redundant rows). Where the
 * lanes share their A fetches (`laneShared`, lavapipe): 16, as A then costs two broadcast fetches a step instead of
 * sixteen and the longer block halves B's fetches per multiply-add (measured 1.1–1.3× at lavapipe's model shapes;
 * without sharing, 16 rows measured 0.63×); and below 16 rows M rounded up to a power of two, so that a short product
 * is one block of rows and B (often the expensive operand, such as a convolution's patch) is fetched once: a
 * 3-channel convolution's input gradient as one block of 4 rows instead of 2 + 1 measured 1.5–1.7× faster. (Rounded
 * up without sharing, the 5-row transposed products of the op parity suite lost Chromium's SwiftShader device; those
 * read A across rows one element at a time, a form `memoryOperand` no longer uses. Rounding up without sharing is
 * unmeasured, so that path keeps the old rule.)
 */
export function gemmRows(M: number, laneShared = false): number {
  if (laneShared) return M >= 16 ? 16 : M > 4 ? 8 : M > 2 ? 4 : M;
  return M >= 8 ? 8 : M >= 4 ? 4 : M >= 2 ? 2 : 1;
}

/** Whether a GEMM whose A operands are these shares A's fetches across a subgroup's lanes (see `dispatchGemm`). */
export function gemmLaneShared(rt: Runtime, aOperands: readonly GemmOperand[]): boolean {
  return rt.laneSharing && aOperands.every((a) => a.laneFetch === true);
}

export function dispatchGemm(rt: Runtime, s: GemmSpec): void {
  const parts: readonly GemmPart[] = s.parts ?? [{ a: s.a!, b: s.b! }];
  if (parts.length === 0 || (!s.parts && (!s.a || !s.b))) throw new Error(`gemm ${s.key}: no operands`);
  const share = gemmLaneShared(rt, parts.map((p) => p.a));
  const R = gemmRows(s.M, share);
  const rows = [...Array(R).keys()];
  const body = (share: boolean) => {
    const loops = parts.map((p) => kLoop(p.a, p.b, R, s.kStep, share));
    return !s.parts
      ? loops[0]!
      : s.combine === 'select'
        ? parts.map((p, i) => `  ${i > 0 ? 'else ' : ''}if (${p.when ?? 'true'}) {\n${p.scope ?? ''}\n${loops[i]}\n  }`).join('\n')
        : parts.map((p, i) => `  {\n${p.scope ?? ''}\n${loops[i]}\n  }`).join('\n');
  };
  const decls = [...new Set(parts.flatMap((p) => [p.a.decl, p.b.decl]))];
  // Lane sharing (Runtime.laneSharing: subgroups of 8 lanes, each a row of the 8 × 8 workgroup, as the backend checks
  // once, subgroup-layout.ts): the 8 lanes of a subgroup hold the same rows of C and need the same A elements, so each
  // fetches one of the step's R vec4s and broadcasts it, instead of every lane fetching all R. On a driver that runs a
  // subgroup as one SIMD program (lavapipe), a fetch is a gather of one element per lane, and those gathers, not the
  // multiply-adds, set the GEMM's rate. A grouped GEMM's 'select' parts are column bands: where a band edge cuts a
  // subgroup, its lanes run different parts, so such a subgroup (seen in the shader) fetches per lane.
  const selected =
    s.parts && s.combine === 'select' ? parts.reduceRight((acc, p, i) => `select(${acc}, ${i}u, ${p.when ?? 'true'})`, `${parts.length}u`) : null;
  const main = !share
    ? body(false)
    : selected === null
      ? body(true)
      : `  // the index of the part this invocation runs (the first whose condition holds; ${parts.length} for none)
  let part_ = ${selected};
  if (subgroupAll(subgroupBroadcast(part_, 0u) == part_)) {
${body(true)}
  } else {
${body(false)}
  }`;
  rt.dispatch({
    key: `gemm:${s.key}:R${R}${share ? ':lanes' : ''}`,
    code: () => `${share ? LANE_SHARING_ENABLE : ''}
${decls.join('\n')}
${s.outDecl}
${metaDecl(s.bindings.length, s.meta.length)}
@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>${share ? `, ${LANE_PARAM}` : ''}) {
  let M = m(0u); let N = m(1u); let K = m(2u);
  let z = gid.z;
${s.prologue ?? ''}
${
  share
    ? `  // A subgroup wholly past C's edge leaves together; in the others every lane takes part in the broadcasts, and a
  // lane past the edge computes row 0's / column 0's block and stores nothing.
  let live_ = gid.x * 4u < N && gid.y * ${R}u < M;
  if (subgroupAll(!live_)) { return; }
  let col0 = select(0u, gid.x * 4u, gid.x * 4u < N);
  let row0 = select(0u, gid.y * ${R}u, gid.y * ${R}u < M);`
    : `  let col0 = gid.x * 4u;
  let row0 = gid.y * ${R}u;
  if (col0 >= N || row0 >= M) { return; }`
}
${rows.map((r) => `  var acc${r} = vec4<f32>(0.0);`).join('\n')}
${main}
${share ? '  if (!live_) { return; }\n' : ''}${rows.map((r) => storeRow(s, r)).join('\n')}
}`,
    bindings: [...s.bindings],
    meta: s.meta,
    workgroups: [Math.ceil(s.N / 4 / 8), Math.ceil(s.M / R / 8), s.batch ?? 1],
  });
}

/** Row r of the invocation's block of C: one vec4 store where the hook has one and the four columns are inside N. */
function storeRow(s: GemmSpec, r: number): string {
  const row = `row0 + ${r}u`;
  const scalars = [0, 1, 2, 3].map((c) => `if (col0 + ${c}u < N) { ${s.store(row, `col0 + ${c}u`, `acc${r}[${c}]`)} }`).join(' ');
  const body = s.storeVec4 ? `if (col0 + 3u < N) { ${s.storeVec4(row, 'col0', `acc${r}`)} } else { ${scalars} }` : scalars;
  return `  if (${row} < M) { ${body} }`;
}

/** The operands' setup and row / column indices, then the K loop accumulating into acc0 … acc(R−1). */
function kLoop(a: GemmOperand, b: GemmOperand, R: number, kStep: string | undefined, share: boolean): string {
  const rows = [...Array(R).keys()];
  const cols = [0, 1, 2, 3];
  const steps = [0, 1, 2, 3];
  // Shared: the step's A vec4s (row r's four k for 'k'; for 'mn', fetch f = k + (f & 3) of the rows from (f >> 2)·4)
  // are dealt to the lanes, fetch f to lane f % 8 as its (f / 8)-th; every lane then takes each from its lane.
  const fetchCount = a.along === 'k' ? R : 4 * Math.ceil(R / 4);
  const hands = [...Array(Math.ceil(fetchCount / 8)).keys()];
  const sharedFetch =
    a.along === 'k'
      ? [...hands.map((h) => `    let aMine${h} = ${a.fetch(`iaMine${h}`, 'k')};`), ...rows.map((r) => `    let a${r} = subgroupBroadcast(aMine${r >> 3}, ${r & 7}u);`)]
      : [
          ...hands.map((h) => `    let pMine${h} = ${a.fetch(`k + jMine${h}`, `iaMine${h}`)};`),
          ...rows
            .filter((r) => r % 4 === 0)
            .flatMap((g) => [
              ...steps.map((j) => `    let p${g}_${j} = subgroupBroadcast(pMine${(g + j) >> 3}, ${(g + j) & 7}u);`),
              ...[0, 1, 2, 3].filter((i) => g + i < R).map((i) => `    let a${g + i} = vec4<f32>(${steps.map((j) => `p${g}_${j}[${i}]`).join(', ')});`),
            ]),
        ];
  const aFetch = share
    ? sharedFetch
    : a.along === 'k'
      ? rows.map((r) => `    let a${r} = ${a.fetch(`ia${r}`, 'k')};`)
      : rows
          .filter((r) => r % 4 === 0)
          .flatMap((g) => [
            ...steps.map((j) => `    let p${g}_${j} = ${a.fetch(`k + ${j}u`, `ia${g}`)};`),
            // a fetch covers 4 rows; with R < 4 (small M) only the first R are this invocation's
            ...[0, 1, 2, 3].filter((i) => g + i < R).map((i) => `    let a${g + i} = vec4<f32>(${steps.map((j) => `p${g}_${j}[${i}]`).join(', ')});`),
          ]);
  // B as q_j = B(k + j, col0 … col0+3); a K-contiguous B block is transposed in registers. Accumulating as
  // acc_r += a_r[j]·q_j (multiply-adds on vec4s) rather than acc_r[c] += dot(a_r, b_c) matters on a driver that
  // vectorises across invocations (lavapipe): a dot product is 4 multiplies and 3 horizontal adds per 4 products.
  const bFetch =
    b.along === 'k'
      ? [
          ...cols.map((c) => `    let b${c} = ${b.fetch(`ib${c}`, 'k')};`),
          ...steps.map((j) => `    let q${j} = vec4<f32>(${cols.map((c) => `b${c}[${j}]`).join(', ')});`),
        ]
      : steps.map((j) => `    let q${j} = ${b.fetch(`k + ${j}u`, 'ib')};`);
  const accumulate = rows.map(
    (r) => `    acc${r} = fma(vec4<f32>(a${r}.w), q3, fma(vec4<f32>(a${r}.z), q2, fma(vec4<f32>(a${r}.y), q1, fma(vec4<f32>(a${r}.x), q0, acc${r}))));`,
  );
  const ix = (o: GemmOperand, i: string) => (o.index ? o.index(i) : i);
  const aIndex = share
    ? a.along === 'k'
      ? hands.map((h) => `  let iaMine${h} = ${ix(a, `min(row0 + min(lane_ + ${8 * h}u, ${R - 1}u), M - 1u)`)};`)
      : hands.flatMap((h) => [
          `  let fMine${h} = min(lane_ + ${8 * h}u, ${fetchCount - 1}u);`,
          `  let jMine${h} = fMine${h} & 3u;`,
          `  let iaMine${h} = ${ix(a, a.aligned ? `min(row0 + (fMine${h} >> 2u) * 4u, M - 4u)` : `row0 + (fMine${h} >> 2u) * 4u`)};`,
        ])
    : a.along === 'k'
      ? rows.map((r) => `  let ia${r} = ${ix(a, `min(row0 + ${r}u, M - 1u)`)};`)
      : rows.filter((r) => r % 4 === 0).map((g) => `  let ia${g} = ${ix(a, a.aligned ? `min(row0 + ${g}u, M - 4u)` : `row0 + ${g}u`)};`);
  const bIndex = b.along === 'k' ? cols.map((c) => `  let ib${c} = ${ix(b, `min(col0 + ${c}u, N - 1u)`)};`) : [`  let ib = ${ix(b, b.aligned ? 'min(col0, N - 4u)' : 'col0')};`];
  return `${a.setup ?? ''}
${b.setup ?? ''}
${aIndex.join('\n')}
${bIndex.join('\n')}
  for (var k = 0u; k < K; k = k + 4u) {
${kStep ?? ''}
${bFetch.join('\n')}
${aFetch.join('\n')}
${accumulate.join('\n')}
  }`;
}

/**
 * How a stored element type is read by a memory operand: as whole vec4s (4 consecutive elements at an index that
 * is a multiple of 4) and one at a time. One entry per storage dtype a GEMM operand may have; adding a dtype
 * (e.g. a packed 16-bit float) is adding an entry.
 */
export interface GemmElementCodec {
  /** WGSL array element type when read four at a time, and the expression of those four as vec4<f32> from `arr[q]`. */
  readonly vecType: string;
  readonly vecLoad: (arr: string, quad: string) => string;
  /** WGSL array element type when read one at a time, and the expression of element `e` as f32. */
  readonly scalarType: string;
  readonly scalarLoad: (arr: string, e: string) => string;
}

export const GEMM_CODECS = {
  f32: {
    vecType: 'vec4<f32>',
    vecLoad: (arr, q) => `${arr}[${q}]`,
    scalarType: 'f32',
    scalarLoad: (arr, e) => `${arr}[${e}]`,
  },
  // packed pairs (`unpack2x16float` is core WGSL: no shader-f16 needed); four halves are one vec2<u32>
  f16: {
    vecType: 'vec2<u32>',
    vecLoad: (arr, q) => `vec4<f32>(unpack2x16float(${arr}[${q}].x), unpack2x16float(${arr}[${q}].y))`,
    scalarType: 'u32',
    scalarLoad: (arr, e) => `unpack2x16float(${arr}[(${e}) >> 1u])[(${e}) & 1u]`,
  },
  // packed pairs of bfloat16, the upper halves of f32s: widening is a shift (low half) or a mask (high half)
  bf16: {
    vecType: 'vec2<u32>',
    vecLoad: (arr, q) =>
      `vec4<f32>(bitcast<f32>(${arr}[${q}].x << 16u), bitcast<f32>(${arr}[${q}].x & 0xffff0000u), bitcast<f32>(${arr}[${q}].y << 16u), bitcast<f32>(${arr}[${q}].y & 0xffff0000u))`,
    scalarType: 'u32',
    scalarLoad: (arr, e) => `bitcast<f32>(select(${arr}[(${e}) >> 1u] << 16u, ${arr}[(${e}) >> 1u] & 0xffff0000u, ((${e}) & 1u) == 1u))`,
  },
} satisfies Record<string, GemmElementCodec>;

export type GemmDType = keyof typeof GEMM_CODECS;

/**
 * A GEMM operand read from a storage buffer holding a row-major matrix per batch entry, at WGSL offset `offset`
 * (elements): `kMajor` says the matrix is stored with K as its leading (slow) axis ([K, rows] — A transposed or
 * B plain) or trailing axis ([rows, K] — A plain or B transposed). `dim` is the WGSL name of the other extent
 * (M for A, N for B). `vectorized`: whole-vec4 reads (the fast axis is a multiple of 4, and so is the offset).
 */
export function memoryOperand(o: {
  readonly name: string;
  readonly binding: number;
  readonly dtype: GemmDType;
  readonly kMajor: boolean;
  readonly dim: 'M' | 'N';
  readonly offset: string;
  readonly vectorized: boolean;
}): GemmOperand {
  const codec: GemmElementCodec = GEMM_CODECS[o.dtype];
  const arr = o.name;
  const decl = `@group(0) @binding(${o.binding}) var<storage, read> ${arr}: array<${o.vectorized ? codec.vecType : codec.scalarType}>;`;
  const zero = 'vec4<f32>(0.0)';
  if (!o.kMajor) {
    // [rows, K]: four consecutive k of one row; the row's start is computed once
    return o.vectorized
      ? { decl, along: 'k', laneFetch: true, index: (i) => `(${o.offset} + (${i}) * K) / 4u`, fetch: (q, k) => codec.vecLoad(arr, `${q} + (${k} >> 2u)`) }
      : {
          decl,
          along: 'k',
          laneFetch: true,
          index: (i) => `${o.offset} + (${i}) * K`,
          fetch: (e, k) => `vec4<f32>(${[0, 1, 2, 3].map((j) => `select(0.0, ${codec.scalarLoad(arr, `${e} + min(${k} + ${j}u, K - 1u)`)}, ${k} + ${j}u < K)`).join(', ')})`,
        };
  }
  // [K, rows]: four consecutive rows at one k
  return o.vectorized
    ? {
        decl,
        along: 'mn',
        aligned: true,
        laneFetch: true,
        index: (i) => `(${o.offset} + ${i}) / 4u`,
        fetch: (k, q) => `select(${zero}, ${codec.vecLoad(arr, `${q} + min(${k}, K - 1u) * (${o.dim} / 4u)`)}, ${k} < K)`,
      }
    : {
        // Unaligned, the four elements are read one at a time whichever way they run, so they are read along k
        // (one row or column, four k) as for a [rows, K] matrix: the same loads, and no gather across rows to
        // transpose in registers. (Read across rows, 'mn', Chromium's SwiftShader lost its device on such products.)
        decl,
        along: 'k',
        laneFetch: true,
        index: (i) => `${o.offset} + (${i})`,
        fetch: (e, k) => `vec4<f32>(${[0, 1, 2, 3].map((j) => `select(0.0, ${codec.scalarLoad(arr, `${e} + min(${k} + ${j}u, K - 1u) * ${o.dim}`)}, ${k} + ${j}u < K)`).join(', ')})`,
      };
}
