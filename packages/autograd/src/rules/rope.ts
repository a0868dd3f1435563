import { runPrimitive } from '@mmada/tensor';
import { rule, type DifferentiableRule } from '../vjp-rule.js';

/**
 * Rotation is orthogonal: the transpose rotates by the opposite angle (`inverse`), and writes the gradient back in
 * x's layout (a head split's gradient is the head merge), in one dispatch.
 */
export const ropeRule: DifferentiableRule<'rope'> = rule<'rope'>({
  differentiableInputs: [0],
  saves: () => ({ inputs: [1] }),
  vjp: ({ params, inputs }, [ct]) => {
    if (!ct) return [null, null];
    const layout = params.layout === 'splitHeads' ? 'mergeHeads' : params.layout === 'mergeHeads' ? 'splitHeads' : 'same';
    const [a, b, c, d] = ct.shape as [number, number, number, number];
    const shape = layout === 'same' ? [a, b, c, d] : [a, c, b, d];
    return [runPrimitive('rope', [ct, inputs[1]!], { ...params, inverse: !params.inverse, layout }, [{ shape, dtype: 'f32' }])[0]!, null];
  },
});
