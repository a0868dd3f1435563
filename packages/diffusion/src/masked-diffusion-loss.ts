import {
  cast, div, dispose, expandDims, logicalNot, maximum, scalar, sub, sum, TensorError, where, type Tensor,
} from '@mmada/tensor';
import { tokenCrossEntropy } from './log-probs.js';

/**
 * How the summed `CE / p` of masked tokens is normalised (the recipes differ, spec Quirk 9):
 * - `'allTokens'`: divide by B·L, every position counted (LLaDA / MMaDA pretraining, `lm` rows).
 * - `'answerLengthPerRow'`: `(1/B)·Σ_b (1/A_b)·Σ_{masked in b}`, A_b = non-prompt tokens of row b (EOS padding
 *   included), clamped ≥ 1 (LLaDA / MMaDA SFT).
 * - `'nonPromptTokens'`: divide by `B·L − #prompt tokens in the batch` (d1's SFT trainer).
 */
export type LossNormalizer = 'allTokens' | 'answerLengthPerRow' | 'nonPromptTokens';

export interface MaskedDiffusionLossInputs {
  /** Predictor logits [B, L, V] (on the noisy ids). */
  logits: Tensor;
  /** Clean ids [B, L] (i32). */
  targets: Tensor;
  /** bool/int [B, L]: the masked positions, the only ones that contribute. */
  masked: Tensor;
  /** f32 [B]: each row's masking probability (loss weight 1/p). */
  p: Tensor;
  /** bool/int [B, L]: prompt positions; needed by 'answerLengthPerRow' (unless answerLength) and 'nonPromptTokens'. */
  promptMask?: Tensor;
  /** [B]: A_b given directly (e.g. the attention-mask length of MMaDA's stage-4 base-LM rows). */
  answerLength?: Tensor;
}

export interface MaskedDiffusionLoss {
  /** The scalar loss. */
  loss: Tensor;
  /** f32 [B, L]: `CE / p` at masked positions, 0 elsewhere. */
  perToken: Tensor;
  /** f32 [B]: Σ over the row of `perToken`. */
  perRow: Tensor;
  /** f32 scalar or [B]: the normaliser that divided the sum (B·L, A_b per row, or the batch count). */
  normalizer: Tensor;
}

/** The masked-diffusion ELBO loss `Σ_masked CE / p`, normalised as `normalizer` says (default 'allTokens'). */
export function maskedDiffusionLoss(inputs: MaskedDiffusionLossInputs, normalizer: LossNormalizer = 'allTokens'): MaskedDiffusionLoss {
  const { logits, targets, masked, p } = inputs;
  const [b, l] = targets.shape as [number, number];
  const ce = tokenCrossEntropy(logits, targets);
  const pCol = expandDims(p, -1);
  const weighted = div(ce, pCol);
  const m = cast(masked, 'bool');
  const perToken = where(m, weighted, 0);
  const perRow = sum(perToken, -1);
  const temps: Tensor[] = [ce, pCol, weighted, m];
  let loss: Tensor;
  let norm: Tensor;
  if (normalizer === 'allTokens') {
    norm = scalar(b * l, 'f32', { device: logits.device });
    const total = sum(perRow);
    loss = div(total, norm);
    temps.push(total);
  } else if (normalizer === 'answerLengthPerRow') {
    if (inputs.answerLength) {
      const a = cast(inputs.answerLength, 'f32');
      norm = maximum(a, 1);
      temps.push(a);
    } else {
      const prompt = requirePrompt(inputs, normalizer);
      const answer = logicalNot(prompt);
      const answerF = cast(answer, 'f32');
      const a = sum(answerF, -1);
      norm = maximum(a, 1);
      temps.push(prompt, answer, answerF, a);
    }
    const rows = div(perRow, norm);
    const total = sum(rows);
    loss = div(total, b);
    temps.push(rows, total);
  } else if (normalizer === 'nonPromptTokens') {
    const prompt = requirePrompt(inputs, normalizer);
    const promptF = cast(prompt, 'f32');
    const promptCount = sum(promptF);
    norm = sub(b * l, promptCount);
    const total = sum(perRow);
    loss = div(total, norm);
    temps.push(prompt, promptF, promptCount, total);
  } else throw new TensorError('maskedDiffusionLoss', `unknown normalizer '${String(normalizer)}'`);
  dispose(temps);
  return { loss, perToken, perRow, normalizer: norm };
}

function requirePrompt(inputs: MaskedDiffusionLossInputs, normalizer: LossNormalizer): Tensor {
  if (!inputs.promptMask) throw new TensorError('maskedDiffusionLoss', `normalizer '${normalizer}' needs promptMask`);
  return cast(inputs.promptMask, 'bool');
}

/** LLaDA pretraining loss: `(1/(B·L))·Σ_b Σ_{masked} CE / p_b` (the denominator counts all positions). */
export function pretrainingLoss(inputs: MaskedDiffusionLossInputs): MaskedDiffusionLoss {
  return maskedDiffusionLoss(inputs, 'allTokens');
}

/**
 * SFT loss with the prompt preserved: `(1/B)·Σ_b (1/A_b)·Σ_{masked} CE / p_b` by default; d1's batch-level
 * normaliser `Σ CE/p / (B·L − #prompt)` with `normalizer: 'nonPromptTokens'`.
 */
export function sftLoss(
  inputs: MaskedDiffusionLossInputs,
  opts: { normalizer?: 'answerLengthPerRow' | 'nonPromptTokens' } = {},
): MaskedDiffusionLoss {
  return maskedDiffusionLoss(inputs, opts.normalizer ?? 'answerLengthPerRow');
}

