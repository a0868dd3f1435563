import {
  add, cast, dispose, expandDims, logicalAnd, logicalNot, lt, mul, split, uniform, where, type PRNGKey, type Tensor,
} from '@mmada/tensor';

export interface MaskIndependentlyOptions {
  /** Id written at masked positions (the model's mask token; MMaDA / LLaDA: 126336). */
  maskId: number;
  /** ε of `p = (1 − ε)·t + ε` (default 1e-3). */
  eps?: number;
  /** Positions that may be masked, bool/int [B, L] (default: all). */
  maskable?: Tensor;
  /** Prompt positions, bool/int [B, L]: never masked (SFT prompt preservation). */
  promptMask?: Tensor;
  /** Per-row times t [B] (default: t ~ U(0, 1) drawn from the key). */
  t?: Tensor;
}

export interface IndependentlyMaskedBatch {
  /** ids with the masked positions set to the mask id, i32 [B, L]. */
  noisy: Tensor;
  /** bool [B, L]: true where a token was masked. */
  masked: Tensor;
  /** f32 [B]: the time of each row. */
  t: Tensor;
  /** f32 [B]: the masking probability `(1 − ε)·t + ε` of each row (the loss weight is 1/p). */
  p: Tensor;
}

/**
 * LLaDA's forward process: per row `t ~ U(0,1)`, `p = (1 − ε)·t + ε`, and every maskable token is masked
 * independently with probability p (BOS and EOS padding included). With `promptMask` the prompt is never
 * masked (SFT prompt preservation).
 */
export function maskIndependently(k: PRNGKey, ids: Tensor, opts: MaskIndependentlyOptions): IndependentlyMaskedBatch {
  const [b, l] = ids.shape as [number, number];
  const eps = opts.eps ?? 1e-3;
  const maskId = opts.maskId;
  const [kt, ku] = split(k, 2) as [PRNGKey, PRNGKey];
  const t = opts.t ? cast(opts.t, 'f32') : uniform(kt, [b], { device: ids.device });
  const scaled = mul(t, 1 - eps);
  const p = add(scaled, eps);
  const u = uniform(ku, [b, l], { device: ids.device });
  const pCol = expandDims(p, -1);
  const temps: Tensor[] = [scaled, u, pCol];
  let masked = lt(u, pCol);
  if (opts.maskable) {
    temps.push(masked);
    masked = logicalAnd(masked, opts.maskable);
  }
  if (opts.promptMask) {
    const answer = logicalNot(opts.promptMask);
    temps.push(masked, answer);
    masked = logicalAnd(masked, answer);
  }
  const noisy = where(masked, maskId, ids);
  dispose(temps);
  return { noisy, masked, t, p };
}
