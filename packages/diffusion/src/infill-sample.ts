import { cast, ne, TensorError, type Tensor } from '@mmada/tensor';
import type { MaskPredictor } from './mask-predictor.js';
import { denoiseBlock, type TextDenoiseOptions, type TextDenoiser, type TextSampleResult } from './text-denoising.js';

export interface InfillOptions extends TextDenoiseOptions {
  /** Denoising steps; the masked positions of each row are spread over them with numTransfer (unused with `threshold`). */
  steps?: number;
  /** Pad mask [B, L] passed to the predictor (1 = token, 0 = padding). */
  padMask?: Tensor;
}

/**
 * Text infilling: `ids` [B, L] holds the known tokens (prompt, suffix, anything) and the mask id in the gaps,
 * anywhere in the sequence. The gaps are filled as one block spanning them, with the step rule of the
 * semi-autoregressive sampler; known tokens never change. With CFG the unconditional copy masks every
 * initially known token.
 */
export async function infillSample(predictor: MaskPredictor, ids: Tensor, opts: InfillOptions): Promise<TextSampleResult> {
  if (ids.rank !== 2) throw new TensorError('infillSample', `ids must be [B, L], got [${ids.shape.join(', ')}]`);
  const steps = opts.steps ?? 0;
  if (opts.threshold === undefined && !(Number.isInteger(steps) && steps >= 1)) {
    throw new TensorError('infillSample', `steps must be a positive integer, got ${opts.steps}`);
  }
  const maskId = opts.maskId;
  const l = ids.shape[1]!;
  // The sampler's own handle (on the caller's storage when ids is already i32): freeing it leaves ids intact.
  const x = cast(ids, 'i32');
  const cfgMask = (opts.cfgScale ?? 0) > 0 ? ne(x, maskId) : undefined;
  const d: TextDenoiser = { predictor, opts, padMask: opts.padMask, cfgMask, trajectory: opts.returnTrajectory ? [] : undefined, step: 0 };
  let out: Tensor;
  try {
    // Positions outside the gaps are never masked, so the block [0, L) is the block spanning the gaps.
    out = await denoiseBlock(d, x, 0, l, steps);
  } finally {
    cfgMask?.dispose();
  }
  const result = d.trajectory ? cast(out, 'i32') : out;
  return { ids: result, trajectory: d.trajectory, steps: d.step };
}
