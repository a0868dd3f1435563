import { broadcastTo, putAlongAxis, reshape, takeAlongAxis, zeros, zerosLike } from '@mmada/tensor';
import { rule, type DifferentiableRule } from '../vjp-rule.js';

/**
 * gather: the cotangent is scatter-added back into zeros of x's shape; out-of-range indices
 * (which read 0) receive nothing.
 */
export const gatherRule: DifferentiableRule<'gather'> = rule<'gather'>({
  differentiableInputs: [0],
  saves: () => ({ inputs: [1] }),
  vjp: ({ params, inputs, inputShapes }, [ct]) => {
    if (!ct) return [null, null];
    const { axis } = params;
    const xShape = inputShapes[0]!;
    const idx = inputs[1]!;
    const n = idx.size;
    const pre = xShape.slice(0, axis);
    const post = xShape.slice(axis + 1);
    const target = [...pre, n, ...post];
    const ctFlat = reshape(ct, target);
    const idxLine = reshape(idx, [...pre.map(() => 1), n, ...post.map(() => 1)]);
    const idxFull = broadcastTo(idxLine, target);
    const dx = putAlongAxis(zeros(xShape, 'f32', { device: ct.device }), idxFull, ctFlat, axis, 'add');
    return [dx, null];
  },
});

export const takeAlongAxisRule: DifferentiableRule<'takeAlongAxis'> = rule<'takeAlongAxis'>({
  differentiableInputs: [0],
  saves: () => ({ inputs: [1] }),
  vjp: ({ params, inputs, inputShapes }, [ct]) => {
    if (!ct) return [null, null];
    return [putAlongAxis(zeros(inputShapes[0]!, 'f32', { device: ct.device }), inputs[1]!, ct, params.axis, 'add'), null];
  },
});

/** 'add': x passes ct through; 'set': x's overwritten entries get none. values get ct at their targets. */
export const putAlongAxisRule: DifferentiableRule<'putAlongAxis'> = rule<'putAlongAxis'>({
  differentiableInputs: [0, 2],
  saves: () => ({ inputs: [1] }),
  vjp: ({ params, inputs }, [ct]) => {
    if (!ct) return [null, null, null];
    const idx = inputs[1]!;
    const dvalues = takeAlongAxis(ct, idx, params.axis);
    const dx = params.mode === 'add' ? ct : putAlongAxis(ct, idx, zerosLike(dvalues), params.axis, 'set');
    return [dx, null, dvalues];
  },
});
