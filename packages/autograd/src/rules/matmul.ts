import { matmul } from '@mmada/tensor';
import { rule, type DifferentiableRule } from '../vjp-rule.js';

/**
 * y = op(a)·op(b) with op = identity or transpose of the last two axes. Each case is one matmul with
 * transposes folded into its flags; broadcast batch axes are summed away by the accumulator.
 *   plain:   da = ct·bᵀ      db = aᵀ·ct
 *   transA:  da = b·ctᵀ      db = a·ct
 *   transB:  da = ct·b       db = ctᵀ·a
 *   both:    da = bᵀ·ctᵀ     db = ctᵀ·aᵀ
 */
export const matmulRule: DifferentiableRule<'matmul'> = rule<'matmul'>({
  saves: () => ({ inputs: [0, 1] }),
  vjp: ({ params, inputs }, [ct]) => {
    if (!ct) return [null, null];
    const a = inputs[0]!;
    const b = inputs[1]!;
    const { transA, transB } = params;
    if (!transA && !transB) return [matmul(ct, b, { transB: true }), matmul(a, ct, { transA: true })];
    if (transA && !transB) return [matmul(b, ct, { transB: true }), matmul(a, ct)];
    if (!transA && transB) return [matmul(ct, b), matmul(ct, a, { transA: true })];
    return [matmul(b, ct, { transA: true, transB: true }), matmul(ct, a, { transA: true, transB: true })];
  },
});
