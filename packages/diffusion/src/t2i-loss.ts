import { cast, div, dispose, maximum, sum, where, type Tensor } from '@mmada/tensor';
import { tokenCrossEntropy } from './log-probs.js';

export interface T2iLossInputs {
  /** Predictor logits [B, L, V] (the rows' full sequence or the image part of it). */
  logits: Tensor;
  /** Clean ids [B, L] (i32). */
  targets: Tensor;
  /**
   * bool/int [B, L]: the labelled positions — the masked image tokens, plus any position upstream labels
   * with its own id (MMaDA labels `<|soi|>` / `<|eoi|>` of the image slice).
   */
  lossMask: Tensor;
}

export interface T2iLoss {
  /** Scalar: the mean full-vocabulary CE over the labelled positions (no 1/t weighting). */
  loss: Tensor;
  /** f32 [B, L]: CE at labelled positions, 0 elsewhere. */
  perToken: Tensor;
  /** f32 scalar: the number of labelled positions (the divisor, at least 1). */
  count: Tensor;
}

/** MMaDA's t2i loss: mean CE over labelled image positions, with no time weighting. */
export function t2iLoss(inputs: T2iLossInputs): T2iLoss {
  const ce = tokenCrossEntropy(inputs.logits, inputs.targets);
  const m = cast(inputs.lossMask, 'bool');
  const perToken = where(m, ce, 0);
  const mf = cast(m, 'f32');
  const n = sum(mf);
  const count = maximum(n, 1);
  const total = sum(perToken);
  const loss = div(total, count);
  dispose([ce, m, mf, n, total]);
  return { loss, perToken, count };
}
