import type { Tensor } from '@mmada/tensor';

/**
 * A mask predictor: token ids [B, L] (i32), and optionally a pad mask [B, L] (1 = real token, 0 = padding),
 * to logits [B, L, V]. Logits are not shifted: position i predicts token i.
 *
 * The returned tensor is owned by the caller of the predictor: samplers and estimators free it when they are
 * done with it, so a predictor returns a fresh tensor on every call.
 */
export type MaskPredictor = (ids: Tensor, padMask?: Tensor) => Tensor | Promise<Tensor>;
