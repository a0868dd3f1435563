import { pad, reshape, slice, transpose, type Tensor } from '@mmada/tensor';
import { rule, type DifferentiableRule } from '../vjp-rule.js';

export const reshapeRule: DifferentiableRule<'reshape'> = rule<'reshape'>({
  saves: () => ({}),
  vjp: ({ inputShapes }, [ct]) => [ct ? reshape(ct, inputShapes[0]!) : null],
});

export const transposeRule: DifferentiableRule<'transpose'> = rule<'transpose'>({
  saves: () => ({}),
  vjp: ({ params }, [ct]) => {
    if (!ct) return [null];
    const inverse = new Array<number>(params.perm.length);
    params.perm.forEach((p, i) => (inverse[p] = i));
    return [transpose(ct, inverse)];
  },
});

/** The slice's cotangent lands in a zero tensor of the input's shape. */
export const sliceRule: DifferentiableRule<'slice'> = rule<'slice'>({
  saves: () => ({}),
  vjp: ({ params, inputShapes }, [ct]) => {
    if (!ct) return [null];
    const shape = inputShapes[0]!;
    return [pad(ct, shape.map((d, i) => [params.begin[i]!, d - params.begin[i]! - params.size[i]!] as [number, number]))];
  },
});

/** The gradient of a broadcast is the sum over the broadcast axes (done by the accumulator). */
export const broadcastToRule: DifferentiableRule<'broadcastTo'> = rule<'broadcastTo'>({
  saves: () => ({}),
  vjp: (_ctx, [ct]) => [ct],
});

export const padRule: DifferentiableRule<'pad'> = rule<'pad'>({
  saves: () => ({}),
  vjp: ({ params, inputShapes }, [ct]) => [ct ? slice(ct, params.before, inputShapes[0]!) : null],
});

export const concatRule: DifferentiableRule<'concat'> = rule<'concat'>({
  saves: () => ({}),
  vjp: ({ params, inputShapes }, [ct]) => {
    if (!ct) return inputShapes.map(() => null);
    let at = 0;
    return inputShapes.map((shape): Tensor => {
      const begin = shape.map(() => 0);
      begin[params.axis] = at;
      at += shape[params.axis]!;
      return slice(ct, begin, shape);
    });
  },
});
