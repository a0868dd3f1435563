import { neg, runPrimitive } from '@mmada/tensor';
import { rule, type DifferentiableRule } from '../vjp-rule.js';

/** Rotation is orthogonal: the transpose rotates by the opposite angle, i.e. rope at negated positions. */
export const ropeRule: DifferentiableRule<'rope'> = rule<'rope'>({
  differentiableInputs: [0],
  saves: () => ({ inputs: [1] }),
  vjp: ({ params, inputs }, [ct]) => {
    if (!ct) return [null, null];
    return [runPrimitive('rope', [ct, neg(inputs[1]!)], params, [{ shape: [...ct.shape], dtype: 'f32' }])[0]!, null];
  },
});
