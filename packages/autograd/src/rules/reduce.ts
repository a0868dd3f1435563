import { broadcastTo, cast, div, eq, mul, sum } from '@mmada/tensor';
import { rule, type DifferentiableRule } from '../vjp-rule.js';

/**
 * Reductions keep the reduced axes as size 1, so the cotangent broadcasts straight back.
 * max/min share the gradient evenly among tied maxima (as JAX); prod uses y / x (undefined at x = 0).
 */
export const reduceRule: DifferentiableRule<'reduce'> = rule<'reduce'>({
  saves: ({ op }) => (op === 'sum' ? {} : { inputs: [0], outputs: [0] }),
  vjp: ({ params, inputs, outputs, inputShapes }, [ct]) => {
    if (!ct) return [null];
    const shape = inputShapes[0]!;
    switch (params.op) {
      case 'sum':
        return [broadcastTo(ct, shape)];
      case 'prod':
        return [div(mul(broadcastTo(ct, shape), outputs[0]!), inputs[0]!)];
      case 'max':
      case 'min': {
        const hit = cast(eq(inputs[0]!, outputs[0]!), 'f32');
        const count = sum(hit, params.axes, { keepDims: true });
        return [mul(hit, div(ct, count))];
      }
    }
  },
});
