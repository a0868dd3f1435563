import { runPrimitive, sum } from '@mmada/tensor';
import { rule, type DifferentiableRule } from '../vjp-rule.js';

/**
 * conv2d backward through its two gradient primitives: dx = conv2dBackwardInput(ct, w), dw =
 * conv2dBackwardWeight(x, ct) (same stride, padding and dilation), db = Σ ct over N, H, W. A gradient no traced input
 * needs (the input image of a first layer, a frozen weight) is not formed.
 */
export const conv2dRule: DifferentiableRule<'conv2d'> = rule<'conv2d'>({
  saves: () => ({ inputs: [0, 1] }),
  vjp: ({ params, inputs, inputShapes, traced }, [ct]) => {
    if (!ct) return params.hasBias ? [null, null, null] : [null, null];
    const { stride, padding, dilation } = params;
    const geometry = { stride, padding, dilation };
    const dx = (traced[0] ?? true) ? runPrimitive('conv2dBackwardInput', [ct, inputs[1]!], geometry, [{ shape: inputShapes[0]!, dtype: 'f32' }])[0]! : null;
    const dW = (traced[1] ?? true) ? runPrimitive('conv2dBackwardWeight', [inputs[0]!, ct], geometry, [{ shape: inputShapes[1]!, dtype: 'f32' }])[0]! : null;
    if (!params.hasBias) return [dx, dW];
    return [dx, dW, (traced[2] ?? true) ? sum(ct, [0, 2, 3]) : null];
  },
});
