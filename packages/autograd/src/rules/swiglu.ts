import { swigluBackward } from '@mmada/tensor';
import { rule, type DifferentiableRule } from '../vjp-rule.js';

/** Both gradients from one fused kernel (swigluBackward), which recomputes sigmoid(gate) instead of saving it. */
export const swigluRule: DifferentiableRule<'swiglu'> = rule<'swiglu'>({
  saves: () => ({ inputs: [0, 1] }),
  vjp: ({ inputs }, [ct]) => {
    if (!ct) return [null, null];
    const { dgate, dup } = swigluBackward(inputs[0]!, inputs[1]!, ct);
    return [dgate, dup];
  },
});
