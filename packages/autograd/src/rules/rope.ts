import { runPrimitive, type Tensor } from '@mmada/tensor';
import { rule, type DifferentiableRule } from '../vjp-rule.js';

/**
 * Rotation is orthogonal: the transpose rotates by the opposite angle (`inverse`), and writes the gradient back in
 * x's layout (a head split's gradient is the head merge), one dispatch for every rotated tensor that has a
 * cotangent. The last input (positions) gets none.
 */
export const ropeRule: DifferentiableRule<'rope'> = rule<'rope'>({
  saves: ({ count }) => ({ inputs: [count ?? 1] }),
  vjp: ({ params, inputs }, cts) => {
    const n = params.count ?? 1;
    const positions = inputs[n]!;
    const layout = params.layout === 'splitHeads' ? 'mergeHeads' : params.layout === 'mergeHeads' ? 'splitHeads' : 'same';
    const given = cts.map((ct, i) => (ct ? i : -1)).filter((i) => i >= 0);
    const out: (Tensor | null)[] = new Array(n + 1).fill(null);
    if (given.length === 0) return out;
    const [a, b, c, d] = cts[given[0]!]!.shape as [number, number, number, number];
    const shape = layout === 'same' ? [a, b, c, d] : [a, c, b, d];
    const grads = runPrimitive('rope', [...given.map((i) => cts[i]!), positions], { ...params, inverse: !params.inverse, layout, count: given.length }, given.map(() => ({ shape, dtype: 'f32' as const })));
    given.forEach((i, k) => (out[i] = grads[k]!));
    return out;
  },
});
