/** A MaskPredictor that reports how many times it has been called (progress of a sampler run). */
import type { MaskPredictor } from '@mmada/diffusion';

export function withCallCounter(predictor: MaskPredictor, onCall: ((calls: number) => void) | undefined): MaskPredictor {
  if (!onCall) return predictor;
  let calls = 0;
  return async (ids, padMask) => {
    const logits = await predictor(ids, padMask);
    onCall(++calls);
    return logits;
  };
}
