/**
 * A MaskPredictor that shows each forward pass's input ids to a listener first: the sampler's state after
 * every denoising step, which lets a UI stream an answer or an image as it is unmasked.
 */
import type { MaskPredictor } from '@mmada/diffusion';
import { wrapForwardPasses } from './wrap-forward-passes.js';

/** Receives the ids [B, L] a forward pass is about to see (with guidance, the conditional rows come first). */
export type StepListener = (ids: number[][]) => void | Promise<void>;

export function withStepListener(predictor: MaskPredictor, onStep: StepListener | undefined): MaskPredictor {
  if (!onStep) return predictor;
  // A readback per step: only paid when someone listens. With a key/value cache, a refresh sees the whole
  // sequence and is shown; a window only part of it, so it is not.
  return wrapForwardPasses(predictor, { beforeWhole: async (ids) => onStep((await ids.array()) as number[][]) });
}
