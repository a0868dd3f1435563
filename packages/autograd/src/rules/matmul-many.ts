import { add, matmulMany, type Tensor } from '@mmada/tensor';
import { rule, type DifferentiableRule, type VjpContext } from '../vjp-rule.js';

type Role = 'a' | 'b' | 'ct';
/** A gradient as a product op(P)·op(Q) of a product's operands and cotangent: [P, Q, transpose P, transpose Q]. */
type Term = readonly [Role, Role, boolean, boolean];
type Layout = 'NN' | 'TN' | 'NT' | 'TT';

/**
 * The gradients of one product y = op(a)·op(b) (matmul's rule, table form), by layout (transA, transB):
 *   NN: da = ct·bᵀ, db = aᵀ·ct   TN: da = b·ctᵀ, db = a·ct   NT: da = ct·b, db = ctᵀ·a   TT: da = bᵀ·ctᵀ, db = ctᵀ·aᵀ
 */
const GRAD_A: Record<Layout, Term> = { NN: ['ct', 'b', false, true], TN: ['b', 'ct', false, true], NT: ['ct', 'b', false, false], TT: ['b', 'ct', true, true] };
const GRAD_B: Record<Layout, Term> = { NN: ['a', 'ct', true, false], TN: ['a', 'ct', false, false], NT: ['ct', 'a', true, false], TT: ['ct', 'a', true, true] };

/**
 * The three groupings are closed under differentiation: a shared operand's gradient is a 'sum' over the products
 * that use it, and the per-product operands' gradients all share one factor (the shared operand, or a sum's one
 * cotangent), so they are a 'sharedA' or 'sharedB' group. Each set of gradients is one more grouped pass.
 */
function matmulManyVjp(ctx: VjpContext<'matmulMany'>, cts: readonly (Tensor | null)[], gathered: readonly (Tensor | null)[]): (Tensor | null)[] {
  const { group, count: n, transA, transB, hasAddend } = ctx.params;
  const inputs = ctx.inputs;
  const leftIndex = (i: number) => (group === 'sharedA' ? 0 : i);
  const rightIndex = (i: number) => (group === 'sharedA' ? 1 + i : group === 'sharedB' ? n : n + i);
  const ct = (i: number) => (group === 'sum' ? cts[0] : cts[i]) ?? null;
  const layout = `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}` as Layout;
  const operand = (role: Role, i: number): Tensor => (role === 'a' ? inputs[leftIndex(i)]! : role === 'b' ? inputs[rightIndex(i)]! : ct(i)!);
  const live = Array.from({ length: n }, (_, i) => i).filter((i) => ct(i));
  // what an input gathered elsewhere stays its gradient where nothing is added to it here
  const out: (Tensor | null)[] = ctx.inputShapes.map((_, i) => gathered[i] ?? null);
  const withGathered = (g: Tensor, index: number) => (gathered[index] ? add(g, gathered[index]!) : g);

  for (const side of ['a', 'b'] as const) {
    const [P, Q, tP, tQ] = (side === 'a' ? GRAD_A : GRAD_B)[layout];
    const index = side === 'a' ? leftIndex : rightIndex;
    const shared = (side === 'a' && group === 'sharedA') || (side === 'b' && group === 'sharedB');
    if (shared) {
      // one input used by every product: the sum of their gradients, what it gathered elsewhere as the addend
      const at = index(0);
      if (!ctx.traced[at] || live.length === 0) continue;
      const addend = gathered[at] ?? undefined;
      out[at] = matmulMany('sum', live.map((i) => operand(P, i)), live.map((i) => operand(Q, i)), { transA: tP, transB: tQ, ...(addend ? { addend } : {}) })[0]!;
      continue;
    }
    const wanted = live.filter((i) => ctx.traced[index(i)]);
    if (wanted.length === 0) continue;
    const lefts = wanted.map((i) => operand(P, i));
    const rights = wanted.map((i) => operand(Q, i));
    const opts = { transA: tP, transB: tQ };
    // one factor is always the shared operand or a sum's one cotangent (see GRAD_A / GRAD_B): on the left, or else on the right
    const grads = lefts.every((l) => l === lefts[0]) ? matmulMany('sharedA', [lefts[0]!], rights, opts) : matmulMany('sharedB', lefts, [rights[0]!], opts);
    wanted.forEach((i, k) => (out[index(i)] = withGathered(grads[k]!, index(i))));
  }
  // y = Σ … + c: c's gradient is the cotangent itself
  if (group === 'sum' && hasAddend && cts[0]) out[2 * n] = withGathered(cts[0], 2 * n);
  return out;
}

export const matmulManyRule: DifferentiableRule<'matmulMany'> = rule<'matmulMany'>({
  saves: ({ group, count }) => ({ inputs: Array.from({ length: group === 'sum' ? 2 * count : count + 1 }, (_, i) => i) }),
  vjp: (ctx, cts) => matmulManyVjp(ctx, cts, []),
  // a shared input's gradient from its other uses joins in the sum's epilogue
  vjpAccumulating: (ctx, cts, gathered) => matmulManyVjp(ctx, cts, gathered),
});
