import { runPrimitive } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import type { MatmulGroup } from '../primitives.js';
import type { Tensor } from '../tensor.js';
import { matmul } from './matmul.js';

export interface MatmulManyOptions {
  /** Use each left operand transposed (aᵀ), read in place. */
  transA?: boolean;
  /** Use each right operand transposed (bᵀ), read in place. */
  transB?: boolean;
  /** 'sum' only: f32 [M, N] added to the sum in the same pass (a gradient gathered elsewhere). */
  addend?: Tensor;
}

/** Products per dispatch: 3 left + 3 right operands, the output and an addend are the 8 storage bindings WebGPU guarantees. */
const MAX_PER_PASS = 3;

/**
 * Several 2-D matrix products in one pass, the way a transformer block has them:
 * - `'sharedA'`, `matmulMany('sharedA', [x], [wq, wk, wv], { transB: true })` → [x·wqᵀ, x·wkᵀ, x·wvᵀ] (one input,
 *   several weights);
 * - `'sharedB'`, `matmulMany('sharedB', [a1, a2], [b])` → [a1·b, a2·b];
 * - `'sum'`, `matmulMany('sum', [a1, a2], [b1, b2])` → [a1·b1 + a2·b2] (+ `addend`).
 *
 * transA / transB apply to every left / right operand. Integer operands compute in f32; results are f32. Where the
 * products cannot share a pass (a half-precision weight, an empty dimension) they run as separate matmuls with the
 * same results. Differentiable: the gradient of each grouping is one of the three groupings.
 */
export function matmulMany(group: MatmulGroup, lefts: readonly Tensor[], rights: readonly Tensor[], opts: MatmulManyOptions = {}): Tensor[] {
  const transA = !!opts.transA;
  const transB = !!opts.transB;
  const n = checkCounts(group, lefts, rights);
  const pairs = Array.from({ length: n }, (_, i) => [lefts[group === 'sharedA' ? 0 : i]!, rights[group === 'sharedB' ? 0 : i]!] as const);
  const dims = pairs.map(([a, b]) => productDims(a, b, transA, transB));
  if (group === 'sum') {
    const [M, N] = dims[0]!;
    if (dims.some(([m, nn]) => m !== M || nn !== N)) {
      throw new TensorError('matmulMany', `a sum needs products of one shape, got ${dims.map(([m, nn]) => fmtShape([m, nn])).join(', ')}`);
    }
    const a = opts.addend;
    if (a && (a.dtype !== 'f32' || a.shape.join() !== `${M},${N}`)) {
      throw new TensorError('matmulMany', `addend must be f32 of the result's shape [${M}, ${N}], got ${a.dtype} ${fmtShape(a.shape)}`);
    }
  } else if (opts.addend) {
    throw new TensorError('matmulMany', `an addend is only taken by 'sum', not '${group}'`);
  }
  const fused = pairs.every(([a, b]) => a.dtype === 'f32' && b.dtype === 'f32') && dims.every(([m, nn, k]) => m > 0 && nn > 0 && k > 0);
  if (!fused || n === 1) return separately(group, pairs, transA, transB, opts.addend);
  if (n > MAX_PER_PASS) return inPasses(group, lefts, rights, transA, transB, opts.addend);
  const inputs = group === 'sharedA' ? [lefts[0]!, ...rights] : group === 'sharedB' ? [...lefts, rights[0]!] : [...lefts, ...rights, ...(opts.addend ? [opts.addend] : [])];
  const outs = group === 'sum' ? [{ shape: [dims[0]![0], dims[0]![1]], dtype: 'f32' as const }] : dims.map(([m, nn]) => ({ shape: [m, nn], dtype: 'f32' as const }));
  const params = { group, count: n, transA, transB, ...(opts.addend ? { hasAddend: true } : {}) };
  return runPrimitive('matmulMany', inputs, params, outs);
}

function checkCounts(group: MatmulGroup, lefts: readonly Tensor[], rights: readonly Tensor[]): number {
  const want = (what: string, got: number, expected: string) => new TensorError('matmulMany', `'${group}' takes ${expected} ${what}, got ${got}`);
  if (group === 'sharedA') {
    if (lefts.length !== 1) throw want('left operands', lefts.length, 'one');
    if (rights.length === 0) throw want('right operands', 0, 'at least one');
    return rights.length;
  }
  if (group === 'sharedB') {
    if (rights.length !== 1) throw want('right operands', rights.length, 'one');
    if (lefts.length === 0) throw want('left operands', 0, 'at least one');
    return lefts.length;
  }
  if (group !== 'sum') throw new TensorError('matmulMany', `group must be 'sharedA', 'sharedB' or 'sum', got '${String(group)}'`);
  if (lefts.length === 0 || lefts.length !== rights.length) {
    throw new TensorError('matmulMany', `'sum' takes as many left as right operands (at least one), got ${lefts.length} and ${rights.length}`);
  }
  return lefts.length;
}

/** [M, N, K] of op(a)·op(b), both 2-D float or integer, inner dimensions equal. */
function productDims(a: Tensor, b: Tensor, transA: boolean, transB: boolean): [number, number, number] {
  if (a.rank !== 2 || b.rank !== 2) throw new TensorError('matmulMany', `operands must be 2-D, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.dtype === 'bool' || b.dtype === 'bool') throw new TensorError('matmulMany', `operands must be numeric, got ${a.dtype} and ${b.dtype}`);
  const [M, Ka] = transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [Kb, N] = transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (Ka !== Kb) throw new TensorError('matmulMany', `inner dims differ: ${fmtShape(a.shape)}${transA ? 'ᵀ' : ''} x ${fmtShape(b.shape)}${transB ? 'ᵀ' : ''}`);
  return [M, N, Ka];
}

/** The same results from single matmuls: what runs where the products cannot share a pass. */
function separately(group: MatmulGroup, pairs: readonly (readonly [Tensor, Tensor])[], transA: boolean, transB: boolean, addend: Tensor | undefined): Tensor[] {
  if (group !== 'sum') return pairs.map(([a, b]) => matmul(a, b, { transA, transB }));
  let y: Tensor | undefined = addend;
  for (const [a, b] of pairs) {
    const next: Tensor = matmul(a, b, { transA, transB, ...(y ? { addend: y } : {}) });
    if (y && y !== addend) y.dispose();
    y = next;
  }
  return [y!];
}

/** More products than one pass binds: passes of MAX_PER_PASS, a sum's partial results carried as the next addend. */
function inPasses(group: MatmulGroup, lefts: readonly Tensor[], rights: readonly Tensor[], transA: boolean, transB: boolean, addend: Tensor | undefined): Tensor[] {
  const chunk = <T>(xs: readonly T[], i: number) => xs.slice(i, i + MAX_PER_PASS);
  const n = group === 'sharedB' ? lefts.length : rights.length;
  const out: Tensor[] = [];
  let carried = addend;
  for (let i = 0; i < n; i += MAX_PER_PASS) {
    const l = group === 'sharedA' ? lefts : chunk(lefts, i);
    const r = group === 'sharedB' ? rights : chunk(rights, i);
    const ys = matmulMany(group, l, r, { transA, transB, ...(group === 'sum' && carried ? { addend: carried } : {}) });
    if (group !== 'sum') out.push(...ys);
    else {
      if (carried && carried !== addend) carried.dispose();
      carried = ys[0]!;
    }
  }
  return group === 'sum' ? [carried!] : out;
}
