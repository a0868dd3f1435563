import { crossEntropy, neg, type Tensor } from '@mmada/tensor';

/**
 * @internal The one place where per-token log-probabilities are taken, on the tensor library's fused
 * cross-entropy (log-softmax and gather in one kernel: the probabilities of a large vocabulary are never
 * stored). Differentiable through its primitive.
 */

/** Full-vocabulary cross-entropy at every position: −log softmax(logits)[target]; logits [..., V], targets [...] i32. */
export function tokenCrossEntropy(logits: Tensor, targets: Tensor): Tensor {
  return crossEntropy(logits, targets);
}

/** log softmax(logits)[target] at every position: logits [..., V], targets [...] (i32) → [...]. */
export function tokenLogProbs(logits: Tensor, targets: Tensor): Tensor {
  const ce = crossEntropy(logits, targets);
  const lp = neg(ce);
  ce.dispose();
  return lp;
}
