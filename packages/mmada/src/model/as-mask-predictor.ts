/**
 * The model as @mmada/diffusion's `MaskPredictor`: ids [B, L] (and a pad mask) → logits [B, L, V], a fresh
 * tensor per call owned by the caller.
 */
import type { MaskPredictor } from '@mmada/diffusion';
import { maskPredictorForward } from './forward.js';
import type { MaskPredictorModel } from './mask-predictor-model.js';

export interface MaskPredictorOptions {
  /** Attend everywhere even when the sampler passes a pad mask (legacy upstream behaviour; spec Quirk 9.1). */
  readonly ignorePadMask?: boolean;
}

export function asMaskPredictor(model: MaskPredictorModel, options: MaskPredictorOptions = {}): MaskPredictor {
  return (ids, padMask) => maskPredictorForward(model.params, model.config, ids, { padMask, ignorePadMask: options.ignorePadMask });
}
