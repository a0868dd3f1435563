import {
  cast, cos, dispose, maximum, mul, ones, round, split, sum, uniform, where, type PRNGKey, type Tensor,
} from '@mmada/tensor';
import { maskExactCount } from './mask-exact-count.js';

export interface CosineMaskingOptions {
  /** Id written at masked positions (the model's mask token; MMaDA / LLaDA: 126336). */
  maskId: number;
  /** Positions that may be masked, bool/int [B, L], e.g. the image tokens of a t2i row (default: all). */
  maskable?: Tensor;
  /** Lower bound of the mask ratio (`min_masking_rate`, default 0). */
  minMaskingRate?: number;
  /** Per-row times t [B] (default: t ~ U(0, 1) drawn from the key). */
  t?: Tensor;
}

export interface CosineMaskedBatch {
  /** ids with the masked positions set to the mask id, i32 [B, L]. */
  noisy: Tensor;
  /** bool [B, L]: true where a token was masked. */
  masked: Tensor;
  /** f32 [B]: the time of each row. */
  t: Tensor;
  /** i32 [B]: how many tokens each row masked. */
  counts: Tensor;
}

/**
 * MMaDA's t2i forward process (`mask_or_random_replace_tokens`): per row `t ~ U(0,1)`,
 * `r = max(cos(π/2·t), minMaskingRate)` and exactly `n = max(1, round(N·r))` of the N maskable positions
 * (round half to even, f32 math as upstream) are masked, chosen by a random permutation.
 */
export function maskByCosineSchedule(k: PRNGKey, ids: Tensor, opts: CosineMaskingOptions): CosineMaskedBatch {
  const [b] = ids.shape as [number, number];
  const maskId = opts.maskId;
  const [kt, kp] = split(k, 2) as [PRNGKey, PRNGKey];
  const t = opts.t ? cast(opts.t, 'f32') : uniform(kt, [b], { device: ids.device });
  const maskable = opts.maskable ?? ones(ids.shape, 'bool', { device: ids.device });
  // cos(t · π · 0.5) evaluated left to right in f32, as `cosine_schedule` does on a float32 tensor.
  const tp = mul(t, Math.PI);
  const half = mul(tp, 0.5);
  const c = cos(half);
  const ratio = maximum(c, opts.minMaskingRate ?? 0);
  const maskableF = cast(maskable, 'f32');
  const n = sum(maskableF, -1);
  const scaled = mul(n, ratio);
  const rounded = round(scaled);
  const atLeastOne = maximum(rounded, 1);
  const counts = cast(atLeastOne, 'i32');
  const masked = maskExactCount(kp, maskable, counts);
  const noisy = where(masked, maskId, ids);
  dispose([tp, half, c, ratio, maskableF, n, scaled, rounded, atLeastOne]);
  if (maskable !== opts.maskable) maskable.dispose();
  return { noisy, masked, t, counts };
}
