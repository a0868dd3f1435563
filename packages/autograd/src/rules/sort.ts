import { putAlongAxis, zeros } from '@mmada/tensor';
import { rule, type DifferentiableRule } from '../vjp-rule.js';

/** sort / topk: values[i] = x[indices[i]] along the last axis, so the value cotangent scatters back. */
function scatterBackLastAxis(ct: Parameters<typeof putAlongAxis>[0], indices: Parameters<typeof putAlongAxis>[1], xShape: readonly number[]) {
  return putAlongAxis(zeros(xShape, 'f32', { device: ct.device }), indices, ct, xShape.length - 1, 'add');
}

export const sortRule: DifferentiableRule<'sort'> = rule<'sort'>({
  saves: () => ({ outputs: [1] }),
  vjp: ({ outputs, inputShapes }, [ct]) => [ct ? scatterBackLastAxis(ct, outputs[1]!, inputShapes[0]!) : null],
});

export const topkRule: DifferentiableRule<'topk'> = rule<'topk'>({
  saves: () => ({ outputs: [1] }),
  vjp: ({ outputs, inputShapes }, [ct]) => [ct ? scatterBackLastAxis(ct, outputs[1]!, inputShapes[0]!) : null],
});
