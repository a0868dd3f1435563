/**
 * The image tokenizer's architecture and objective as the recipe's `--vq-*` flags choose them, under the names of
 * scripts/reference/tiny_lfq_tokenizer_probe.py (the PyTorch replica the choices were measured with):
 *
 *   ch     base channel count                 mult   channel multiplier per level (levels − 1 = log2 of the downsampling)
 *   bits   LFQ bits (2^bits codes)            rec    'l1' | 'l2' reconstruction
 *   beta   commitment weight β                lam    entropy weight λ     gam   codebook-entropy weight γ
 *
 * A choice left out keeps the base's value (the recipe's SHAPESWORLD_VQ_CONFIG / SHAPESWORLD_VQ_LOSS). Encoder and
 * decoder get the same multipliers and one resnet block per level, as the shipped tokenizer and the replica have.
 */
import { vqConfigProblems, type TokenizerLossOptions, type VqConfig } from '@mmada/mmada';
import { SHAPESWORLD_VQ_CONFIG, SHAPESWORLD_VQ_LOSS } from './image-tokenizer-stage.js';

export interface ShapesWorldVqChoices {
  readonly ch?: number;
  readonly mult?: readonly number[];
  readonly bits?: number;
  readonly rec?: 'l1' | 'l2';
  readonly beta?: number;
  readonly lam?: number;
  readonly gam?: number;
}

export interface ShapesWorldVqSetup {
  readonly config: VqConfig;
  readonly loss: TokenizerLossOptions;
}

/**
 * The config and objective for `choices` on top of `base`; a Left lists why the resulting architecture is
 * unusable (e.g. normGroups not dividing a level's channels).
 */
export function shapesWorldVqSetup(
  choices: ShapesWorldVqChoices,
  base: ShapesWorldVqSetup = { config: SHAPESWORLD_VQ_CONFIG, loss: SHAPESWORLD_VQ_LOSS },
): { ok: true; setup: ShapesWorldVqSetup } | { ok: false; problems: string[] } {
  const mult = choices.mult ?? base.config.encoderChMult;
  const blocks = (list: readonly number[]) => (choices.mult === undefined ? list : mult.map(() => 1));
  const config: VqConfig = {
    ...base.config,
    ch: choices.ch ?? base.config.ch,
    bits: choices.bits ?? base.config.bits,
    encoderChMult: [...mult],
    decoderChMult: [...mult],
    encoderNumResBlocks: [...blocks(base.config.encoderNumResBlocks)],
    decoderNumResBlocks: [...blocks(base.config.decoderNumResBlocks)],
  };
  const problems = vqConfigProblems(config);
  if ((base.loss.codebookEntropy ?? 'per-bit') === 'exact' && config.bits > 16) problems.push(`the exact codebook entropy enumerates 2^bits codes; bits must be ≤ 16, got ${config.bits}`);
  if (problems.length > 0) return { ok: false, problems };
  const loss: TokenizerLossOptions = {
    ...base.loss,
    ...(choices.rec !== undefined ? { reconstruction: choices.rec } : {}),
    ...(choices.beta !== undefined ? { commitmentWeight: choices.beta } : {}),
    ...(choices.lam !== undefined ? { entropyWeight: choices.lam } : {}),
    ...(choices.gam !== undefined ? { diversityWeight: choices.gam } : {}),
  };
  return { ok: true, setup: { config, loss } };
}
