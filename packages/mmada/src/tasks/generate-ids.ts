/**
 * Text generation over token ids: prompts of any lengths are left-padded into one batch and completed by the
 * semi-autoregressive sampler of @mmada/diffusion (spec/diffusion.md §2). The tokenizer-level tasks
 * (generateText, chat, understandImage) are built on this.
 */
import { semiAutoregressiveSample, type SemiAutoregressiveOptions } from '@mmada/diffusion';
import { scope, tensor, type PRNGKey } from '@mmada/tensor';
import { modelDevice, type MaskPredictorModel } from '../model/mask-predictor-model.js';
import { asMaskPredictor } from '../model/as-mask-predictor.js';
import { leftPadBatch } from '../prompting/left-pad.js';
import { withCallCounter } from '../model/with-call-counter.js';
import { withStepListener, type StepListener } from '../model/with-step-listener.js';
import { MMADA_SPECIAL_TOKENS } from '../tokenizer/special-tokens.js';

/** Sampler options (genLength, steps, blockLength, temperature, remasking, cfgScale, ...); ids come from the model's config. */
export type TextSamplingOptions = Omit<SemiAutoregressiveOptions, 'key' | 'maskId' | 'eosId' | 'promptPadMask' | 'returnTrajectory'> & {
  /** Attend everywhere, ignoring the left padding of batched prompts (legacy upstream; spec Quirk 9.1). */
  readonly ignorePadMask?: boolean;
  /** `<|eot_id|>` for the confidence options (default: MMaDA's, `MMADA_SPECIAL_TOKENS.eotId`). */
  readonly eotId?: number;
  /** Called after every forward pass of the model (one per denoising step; two rows per prompt with CFG), for progress. */
  readonly onForward?: (calls: number) => void;
  /** Called with the ids [B, L] before every forward pass (the state after each step), e.g. to stream the answer. */
  readonly onStep?: StepListener;
};

export interface GeneratedIds {
  /** Per prompt: the generated tokens only (genLength of them). */
  readonly generated: number[][];
  /** Per prompt: prompt (with its left padding) followed by the generated tokens. */
  readonly sequences: number[][];
  /** Denoising steps that ran. */
  readonly steps: number;
}

/** Completes each prompt with `genLength` tokens. */
export async function generateIds(model: MaskPredictorModel, prompts: readonly (readonly number[])[], k: PRNGKey, options: TextSamplingOptions = {}): Promise<GeneratedIds> {
  const c = model.config;
  const batch = leftPadBatch(prompts, c.padTokenId);
  const device = modelDevice(model);
  const { ignorePadMask, onForward, onStep, ...sampler } = options;
  const predictor = withStepListener(withCallCounter(asMaskPredictor(model), onForward), onStep);
  return scope(async () => {
    const ids = tensor(batch.ids as number[][], undefined, 'i32', { device });
    const promptPadMask = batch.padded && !ignorePadMask ? tensor(batch.padMask as number[][], undefined, 'i32', { device }) : undefined;
    const result = await semiAutoregressiveSample(predictor, ids, { ...sampler, key: k, maskId: c.maskTokenId, eosId: c.eosTokenId, eotId: sampler.eotId ?? MMADA_SPECIAL_TOKENS.eotId, promptPadMask });
    const out = (await result.ids.array()) as number[][];
    const p = batch.ids[0]?.length ?? 0;
    return { generated: out.map((row) => row.slice(p)), sequences: out, steps: result.steps };
  });
}
