import { exp, mul, sub, sum } from '@mmada/tensor';
import { rule, type DifferentiableRule } from '../vjp-rule.js';

/** dx = y·(ct − Σ ct·y). */
export const softmaxRule: DifferentiableRule<'softmax'> = rule<'softmax'>({
  saves: () => ({ outputs: [0] }),
  vjp: ({ outputs }, [ct]) => {
    if (!ct) return [null];
    const y = outputs[0]!;
    return [mul(y, sub(ct, sum(mul(ct, y), -1, { keepDims: true })))];
  },
});

/** dx = ct − softmax(x)·Σ ct, with softmax = exp(y). */
export const logSoftmaxRule: DifferentiableRule<'logSoftmax'> = rule<'logSoftmax'>({
  saves: () => ({ outputs: [0] }),
  vjp: ({ outputs }, [ct]) => {
    if (!ct) return [null];
    return [sub(ct, mul(exp(outputs[0]!), sum(ct, -1, { keepDims: true })))];
  },
});
