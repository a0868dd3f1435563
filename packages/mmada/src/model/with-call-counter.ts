/** A MaskPredictor that reports how many times it has been called (progress of a sampler run). */
import type { MaskPredictor } from '@mmada/diffusion';
import { wrapForwardPasses } from './wrap-forward-passes.js';

export function withCallCounter(predictor: MaskPredictor, onCall: ((calls: number) => void) | undefined): MaskPredictor {
  if (!onCall) return predictor;
  let calls = 0;
  // A cached run's refreshes and windows are forward passes too.
  return wrapForwardPasses(predictor, { after: () => onCall(++calls) });
}
