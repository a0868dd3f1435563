import type { Tensor } from '@mmada/tensor';
import type { KeyValueCache } from './key-value-cache.js';

/**
 * A mask predictor: token ids [B, L] (i32), and optionally a pad mask [B, L] (1 = real token, 0 = padding),
 * to logits [B, L, V]. Logits are not shifted: position i predicts token i.
 *
 * The returned tensor is owned by the caller of the predictor: samplers and estimators free it when they are
 * done with it, so a predictor returns a fresh tensor on every call.
 *
 * A predictor may offer `openKeyValueCache` (a fresh, empty cache per call); the text sampler's `kvCache`
 * option needs it.
 */
export type MaskPredictor = ((ids: Tensor, padMask?: Tensor) => Tensor | Promise<Tensor>) & {
  readonly openKeyValueCache?: () => KeyValueCache;
};
