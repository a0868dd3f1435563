/**
 * The model as @mmada/diffusion's `MaskPredictor`: ids [B, L] (and a pad mask) → logits [B, L, V], a fresh
 * tensor per call owned by the caller. It offers the block-wise key/value cache (`openKeyValueCache`) that
 * the text sampler's `kvCache` option uses.
 */
import type { MaskPredictor } from '@mmada/diffusion';
import { maskPredictorForward } from './forward.js';
import { openKeyValueCache } from './key-value-cache.js';
import type { MaskPredictorModel } from './mask-predictor-model.js';

export interface MaskPredictorOptions {
  /** Attend everywhere even when the sampler passes a pad mask (legacy upstream behaviour; spec Quirk 9.1). */
  readonly ignorePadMask?: boolean;
}

export function asMaskPredictor(model: MaskPredictorModel, options: MaskPredictorOptions = {}): MaskPredictor {
  const predict = (ids: Parameters<MaskPredictor>[0], padMask?: Parameters<MaskPredictor>[1]) =>
    maskPredictorForward(model.params, model.config, ids, { padMask, ignorePadMask: options.ignorePadMask });
  return Object.assign(predict, { openKeyValueCache: () => openKeyValueCache(model, options) });
}
