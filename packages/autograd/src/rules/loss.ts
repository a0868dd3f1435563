import { crossEntropyBackward } from '@mmada/tensor';
import { rule, type DifferentiableRule } from '../vjp-rule.js';

/**
 * d logits = ct·(softmax(logits) − onehot(target)), zero for rows whose target is ignoreIndex: one fused
 * `crossEntropyBackward` kernel per row (the probabilities are never stored).
 */
export const crossEntropyRule: DifferentiableRule<'crossEntropy'> = rule<'crossEntropy'>({
  differentiableInputs: [0],
  saves: () => ({ inputs: [0, 1] }),
  vjp: ({ params, inputs }, [ct]) => {
    if (!ct) return [null, null];
    return [crossEntropyBackward(inputs[0]!, inputs[1]!, ct, params.ignoreIndex), null];
  },
});
