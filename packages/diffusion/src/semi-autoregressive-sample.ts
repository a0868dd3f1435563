import { cast, concat, dispose, full, ne, ones, TensorError, type Tensor } from '@mmada/tensor';
import type { MaskPredictor } from './mask-predictor.js';
import { denoiseBlock, type TextDenoiseOptions, type TextDenoiser, type TextSampleResult } from './text-denoising.js';
import { LLADA_MASK_ID } from './token-ids.js';

export interface SemiAutoregressiveOptions extends TextDenoiseOptions {
  /** Tokens to generate after the prompt (default 128). */
  genLength?: number;
  /** Total denoising steps, split evenly over the blocks (default 128). */
  steps?: number;
  /** Block length; genLength / blockLength and steps / blocks must be whole (default 128). */
  blockLength?: number;
  /**
   * Pad mask of the prompt [B, P] (1 = token, 0 = left padding). It is extended with ones over the generated
   * part and passed to the predictor. Pad tokens are not the mask id, so they are never changed.
   */
  promptPadMask?: Tensor;
}

/**
 * LLaDA / MMaDA semi-autoregressive block sampling: the generated part starts fully masked and is filled
 * block by block, left to right; within a block every step commits the most confident masked predictions,
 * `numTransfer(masked in block, steps per block)[s]` of them per row. All per-step work stays on the device.
 */
export async function semiAutoregressiveSample(
  predictor: MaskPredictor,
  prompt: Tensor,
  opts: SemiAutoregressiveOptions = {},
): Promise<TextSampleResult> {
  if (prompt.rank !== 2) throw new TensorError('semiAutoregressiveSample', `prompt must be [B, P], got [${prompt.shape.join(', ')}]`);
  const genLength = opts.genLength ?? 128;
  const blockLength = opts.blockLength ?? 128;
  const steps = opts.steps ?? 128;
  const maskId = opts.maskId ?? LLADA_MASK_ID;
  if (!(genLength > 0 && blockLength > 0 && genLength % blockLength === 0)) {
    throw new TensorError('semiAutoregressiveSample', `genLength ${genLength} must be a positive multiple of blockLength ${blockLength}`);
  }
  const blocks = genLength / blockLength;
  if (opts.threshold === undefined && !(steps > 0 && steps % blocks === 0)) {
    throw new TensorError('semiAutoregressiveSample', `steps ${steps} must be a positive multiple of the number of blocks ${blocks}`);
  }
  const [b, p] = prompt.shape as [number, number];
  const promptIds = cast(prompt, 'i32');
  const tail = full([b, genLength], maskId, 'i32', { device: prompt.device });
  let x = concat([promptIds, tail], 1);
  let padMask: Tensor | undefined;
  if (opts.promptPadMask) {
    const extra = ones([b, genLength], opts.promptPadMask.dtype, { device: prompt.device });
    padMask = concat([opts.promptPadMask, extra], 1);
    extra.dispose();
  }
  const cfgMask = (opts.cfgScale ?? 0) > 0 ? ne(x, maskId) : undefined;
  dispose([promptIds, tail]);
  const d: TextDenoiser = { predictor, opts, padMask, cfgMask, trajectory: opts.returnTrajectory ? [] : undefined, step: 0 };
  try {
    for (let k = 0; k < blocks; k++) {
      const lo = p + k * blockLength;
      x = await denoiseBlock(d, x, lo, lo + blockLength, steps / blocks);
    }
  } finally {
    dispose([padMask, cfgMask]);
  }
  // With a trajectory, x is also its last entry: hand out a separate handle on the same storage.
  const ids = d.trajectory ? cast(x, 'i32') : x;
  return { ids, trajectory: d.trajectory, steps: d.step };
}
