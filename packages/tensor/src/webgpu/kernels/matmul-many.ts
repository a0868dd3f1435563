import type { OutSpec, TensorRef } from '../../backend.js';
import type { PrimitiveParams } from '../../primitives.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { Meta } from './common.js';
import { dispatchGemm, memoryOperand, type GemmPart } from './gemm.js';

/**
 * `matmulMany` as one grouped GEMM (gemm.ts `parts`): the products share C's register tiles and the dispatch.
 * - 'sharedA': C is [M, ΣN_i]; the invocation whose columns fall in band i reads b_i and writes y_i.
 * - 'sharedB': as its transpose, C = [y_1ᵀ … y_nᵀ] of [N, ΣM_i]; the column band i reads a_i and writes y_i
 *   transposed.
 * - 'sum': C is [M, N]; the K loops of every pair run in turn into the same accumulators.
 * The bands are cut where an invocation's 4 columns (or R rows) never straddle two: `fusable` says whether a call's
 * shapes allow that; where not, the backend runs single matmuls. Meta words: M, N, K, then per product its band
 * size (N_i, M_i or K_i), then each band's first column / row.
 */
export function matmulMany(rt: Runtime, inputs: readonly TensorRef[], p: PrimitiveParams['matmulMany'], outs: readonly OutSpec[]): GPUStorage[] {
  const { group, count: n, transA, transB } = p;
  const ys = outs.map((o) => rt.createStorage(o.shape[0]! * o.shape[1]! * 4));
  const { M, N, K, bands } = extents(inputs, p, outs);
  const starts = bands.map((_, i) => bands.slice(0, i).reduce((s, d) => s + d, 0));
  // 'sharedB' runs as its transpose, y_iᵀ = op(b)ᵀ·op(a_i)ᵀ: a 'sharedA' GEMM of C [N, ΣM_i] whose store writes
  // each block back transposed. Banding C's rows instead (a_i picked by row) measured 1.4–1.5× slower than single
  // matmuls on lavapipe; banding its columns runs at or above their rate.
  const swapped = group === 'sharedB';
  const [gemmM, gemmN] = swapped ? [N, M] : [M, N];
  const meta = new Meta().u32(gemmM, gemmN, K, ...bands, ...starts).array();
  const A = (name: string, binding: number, rows: number, k: number) =>
    memoryOperand({ name, binding, dtype: 'f32', kMajor: transA, dim: 'M', offset: '0u', vectorized: (transA ? rows : k) % 4 === 0 });
  const B = (name: string, binding: number, cols: number, k: number) =>
    memoryOperand({ name, binding, dtype: 'f32', kMajor: !transB, dim: 'N', offset: '0u', vectorized: (transB ? k : cols) % 4 === 0 });
  // op(b)ᵀ as the A operand ([N, K]: K-leading where b is stored plain) and op(a_i)ᵀ as a B operand ([K, M_i])
  const bAsA = (name: string, binding: number) =>
    memoryOperand({ name, binding, dtype: 'f32', kMajor: !transB, dim: 'M', offset: '0u', vectorized: (transB ? K : N) % 4 === 0 });
  const aAsB = (name: string, binding: number, cols: number) =>
    memoryOperand({ name, binding, dtype: 'f32', kMajor: transA, dim: 'N', offset: '0u', vectorized: (transA ? cols : K) % 4 === 0 });
  const read = (t: TensorRef) => ({ storage: t.storage as GPUStorage, kind: 'read' as const });
  const write = (s: GPUStorage) => ({ storage: s, kind: 'write' as const });
  const band = (i: number) => `m(${3 + i}u)`;
  const start = (i: number) => `m(${3 + n + i}u)`;
  // every output row a multiple of 4 wide: outputs (and the addend) as vec4s, each row of 4 columns one store
  const vecOut = group === 'sharedA' ? bands.every((d) => d % 4 === 0) : !swapped && N % 4 === 0;
  const type = vecOut ? 'vec4<f32>' : 'f32';
  const el = (arr: string, at: string) => (vecOut ? `${arr}[(${at}) / 4u][(${at}) % 4u]` : `${arr}[${at}]`);
  const outDecl = (first: number, count: number) =>
    Array.from({ length: count }, (_, i) => `@group(0) @binding(${first + i}) var<storage, read_write> Y${i}: array<${type}>;`).join('\n');
  let parts: GemmPart[];
  let bindings: { storage: GPUStorage; kind: 'read' | 'write' }[];
  let decl: string;
  let store: (r: string, c: string, v: string) => string;
  let storeVec4: ((r: string, c: string, v: string) => string) | undefined;
  if (group === 'sharedA') {
    const a = A('A', 0, M, K);
    parts = bands.map((Ni, i) => ({
      a,
      b: B(`B${i}`, 1 + i, Ni, K),
      when: `col0 < ${start(i)} + ${band(i)}`,
      scope: `  let N = ${band(i)};\n  let localCol = col0 - ${start(i)};\n  let col0 = localCol;`,
    }));
    bindings = [read(inputs[0]!), ...inputs.slice(1, 1 + n).map(read), ...ys.map(write)];
    decl = outDecl(1 + n, n);
    const at = (i: number, r: string, c: string) => `(${r}) * ${band(i)} + ${c} - ${start(i)}`;
    store = (r, c, v) => chain(n, (i) => `${c} < ${start(i)} + ${band(i)}`, (i) => `${el(`Y${i}`, at(i, r, c))} = ${v};`);
    storeVec4 = (r, c, v) => chain(n, (i) => `${c} < ${start(i)} + ${band(i)}`, (i) => `Y${i}[(${at(i, r, c)}) / 4u] = ${v};`);
  } else if (group === 'sharedB') {
    // C(r, c) with c in band i is y_i(c − start_i, r); C has M = y's N rows
    const a = bAsA('B', n);
    parts = bands.map((Mi, i) => ({
      a,
      b: aAsB(`A${i}`, i, Mi),
      when: `col0 < ${start(i)} + ${band(i)}`,
      scope: `  let N = ${band(i)};\n  let localCol = col0 - ${start(i)};\n  let col0 = localCol;`,
    }));
    bindings = [...inputs.slice(0, n).map(read), read(inputs[n]!), ...ys.map(write)];
    decl = outDecl(n + 1, n);
    store = (r, c, v) => chain(n, (i) => `${c} < ${start(i)} + ${band(i)}`, (i) => `Y${i}[(${c} - ${start(i)}) * M + ${r}] = ${v};`);
  } else {
    parts = bands.map((Ki, i) => ({ a: A(`A${i}`, i, M, Ki), b: B(`B${i}`, n + i, N, Ki), scope: `  let K = ${band(i)};` }));
    const addend = p.hasAddend ? inputs[2 * n]! : null;
    bindings = [...inputs.slice(0, 2 * n).map(read), write(ys[0]!), ...(addend ? [read(addend)] : [])];
    decl = outDecl(2 * n, 1) + (addend ? `\n@group(0) @binding(${2 * n + 1}) var<storage, read> D: array<${type}>;` : '');
    store = (r, c, v) => `${el('Y0', `(${r}) * N + ${c}`)} = ${v}${addend ? ` + ${el('D', `(${r}) * N + ${c}`)}` : ''};`;
    storeVec4 = (r, c, v) => `Y0[((${r}) * N + ${c}) / 4u] = ${v}${addend ? ` + D[((${r}) * N + ${c}) / 4u]` : ''};`;
  }
  // every vec4 / scalar choice above follows from these extents' residues mod 4
  const layout = [M, N, K, ...bands].map((d) => (d % 4 === 0 ? 'v' : 's')).join('');
  dispatchGemm(rt, {
    key: `matmulMany:${group}:${n}:${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}:${layout}${p.hasAddend ? ':add' : ''}`,
    bindings,
    meta,
    parts,
    combine: group === 'sum' ? 'sum' : 'select',
    outDecl: decl,
    store,
    ...(vecOut && storeVec4 ? { storeVec4 } : {}),
    M: gemmM,
    N: gemmN,
  });
  return ys;
}

/** if / else-if over the bands, the last unconditional. */
function chain(n: number, cond: (i: number) => string, then: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? `{ ${then(i)} }` : `if (${cond(i)}) { ${then(i)} } else `)).join('');
}

/** The grouped GEMM's C extents and each product's band: N_i ('sharedA'), M_i ('sharedB') or K_i ('sum'). */
function extents(inputs: readonly TensorRef[], p: PrimitiveParams['matmulMany'], outs: readonly OutSpec[]): { M: number; N: number; K: number; bands: number[] } {
  const { group, count: n, transA } = p;
  const kOf = (a: TensorRef) => (transA ? a.shape[0]! : a.shape[1]!);
  if (group === 'sharedA') {
    const bands = outs.map((o) => o.shape[1]!);
    return { M: outs[0]!.shape[0]!, N: bands.reduce((s, d) => s + d, 0), K: kOf(inputs[0]!), bands };
  }
  if (group === 'sharedB') {
    const bands = outs.map((o) => o.shape[0]!);
    return { M: bands.reduce((s, d) => s + d, 0), N: outs[0]!.shape[1]!, K: kOf(inputs[0]!), bands };
  }
  const bands = inputs.slice(0, n).map(kOf);
  return { M: outs[0]!.shape[0]!, N: outs[0]!.shape[1]!, K: Math.max(...bands), bands };
}

/**
 * Whether one grouped pass can compute the call: a band boundary must not cut an invocation's 4 columns (every band
 * but the last a multiple of 4: N_i for 'sharedA', M_i for 'sharedB'), and every operand must fit one storage
 * binding (`fits`).
 */
export function matmulManyFusable(inputs: readonly TensorRef[], p: PrimitiveParams['matmulMany'], outs: readonly OutSpec[], fits: (t: { size: number }) => boolean): boolean {
  if (!inputs.every((t) => t.dtype === 'f32' && fits(t)) || !outs.every((o) => fits({ size: o.shape[0]! * o.shape[1]! }))) return false;
  const inner = extents(inputs, p, outs).bands.slice(0, -1);
  return p.group === 'sum' || inner.every((d) => d % 4 === 0);
}
