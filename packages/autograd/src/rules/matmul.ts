import { add, matmul, type Tensor } from '@mmada/tensor';
import { sumToShape } from '../sum-to-shape.js';
import { rule, type DifferentiableRule, type VjpContext } from '../vjp-rule.js';

/**
 * y = op(a)·op(b) with op = identity or transpose of the last two axes. Each case is one matmul with
 * transposes folded into its flags; broadcast batch axes are summed away by the accumulator.
 *   plain:   da = ct·bᵀ      db = aᵀ·ct
 *   transA:  da = b·ctᵀ      db = a·ct
 *   transB:  da = ct·b       db = ctᵀ·a
 *   both:    da = bᵀ·ctᵀ     db = ctᵀ·aᵀ
 * With an addend c (y = op(a)·op(b) + c), dc = ct.
 */
function matmulVjp(ctx: VjpContext<'matmul'>, ct: Tensor, gathered: readonly (Tensor | null)[]): (Tensor | null)[] {
  const { params, inputs } = ctx;
  const a = inputs[0]!;
  const b = inputs[1]!;
  const { transA, transB } = params;
  if ((a.rank !== 2 || b.rank !== 2) && gathered.some((g) => g)) {
    // batched (maybe broadcast): each gradient is summed to its input's shape before what was gathered is added
    const plain = matmulVjp(ctx, ct, []);
    return plain.map((g, i) => (g && gathered[i] ? add(sumToShape(g, ctx.inputShapes[i]!), gathered[i]!) : g));
  }
  // what a or b gathered elsewhere is added in the product's own kernel
  const [ga, gb] = [gathered[0] ?? undefined, gathered[1] ?? undefined];
  // with an addend c (y = a·b + c), c's gradient is ct itself (plus what c gathered elsewhere)
  const dc = params.hasAddend ? [gathered[2] ? add(ct, gathered[2]) : ct] : [];
  if (!transA && !transB) return [matmul(ct, b, { transB: true, addend: ga }), matmul(a, ct, { transA: true, addend: gb }), ...dc];
  if (transA && !transB) return [matmul(b, ct, { transB: true, addend: ga }), matmul(a, ct, { addend: gb }), ...dc];
  if (!transA && transB) return [matmul(ct, b, { addend: ga }), matmul(ct, a, { transA: true, addend: gb }), ...dc];
  return [matmul(b, ct, { transA: true, transB: true, addend: ga }), matmul(ct, a, { transA: true, transB: true, addend: gb }), ...dc];
}

export const matmulRule: DifferentiableRule<'matmul'> = rule<'matmul'>({
  saves: () => ({ inputs: [0, 1] }),
  vjp: (ctx, [ct]) => (ct ? matmulVjp(ctx, ct, []) : [null, null, null]),
  // x's gradient from its other uses (the q, k and v projections of one input) joins in the product's epilogue
  vjpAccumulating: (ctx, [ct], gathered) => (ct ? matmulVjp(ctx, ct, gathered) : [...gathered]),
});
