import { dispose, expandDims, logSumExp, squeeze, sub, takeAlongAxis, neg, type Tensor } from '@mmada/tensor';

/**
 * @internal The one place where log-softmax pieces are composed from primitives, so that a fused kernel can
 * replace them in one edit. Every function is differentiable through the primitives it records.
 */

/** log softmax(logits)[target] at every position: logits [..., V], targets [...] (i32) → [...]. */
export function tokenLogProbs(logits: Tensor, targets: Tensor): Tensor {
  const idx = expandDims(targets, -1);
  const picked = takeAlongAxis(logits, idx, -1);
  const lse = logSumExp(logits, -1, { keepDims: true });
  const lp = sub(picked, lse);
  const out = squeeze(lp, -1);
  dispose([idx, picked, lse, lp]);
  return out;
}

/** Full-vocabulary cross-entropy at every position: −log softmax(logits)[target]. */
export function tokenCrossEntropy(logits: Tensor, targets: Tensor): Tensor {
  const lp = tokenLogProbs(logits, targets);
  const ce = neg(lp);
  lp.dispose();
  return ce;
}

/** log softmax(logits)[index] given the log-normaliser, for samplers that reuse one logSumExp. */
export function logProbsAt(logits: Tensor, index: Tensor, lse: Tensor): Tensor {
  const idx = expandDims(index, -1);
  const picked = takeAlongAxis(logits, idx, -1);
  const p = squeeze(picked, -1);
  const lp = sub(p, lse);
  dispose([idx, picked, p]);
  return lp;
}
