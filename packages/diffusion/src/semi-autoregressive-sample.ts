import { cast, concat, dispose, full, ne, ones, TensorError, type Tensor } from '@mmada/tensor';
import type { KeyValueCacheMode } from './key-value-cache.js';
import type { MaskPredictor } from './mask-predictor.js';
import { denoiseBlock, type DenoiseCache, type TextDenoiseOptions, type TextDenoiser, type TextSampleResult } from './text-denoising.js';

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
  /**
   * Fast-dLLM's approximate key/value cache (default `'none'`: exact, every position recomputed every step).
   * The first step of each block runs the full forward and refreshes the cache; the block's other steps
   * recompute the block and everything after it (`'prefix'`) or the block alone (`'dual'`) against the cached
   * keys/values of the other positions. Only the current block's masked positions are committed (mask ids
   * inside the prompt stay). Needs a predictor with `openKeyValueCache`.
   */
  kvCache?: KeyValueCacheMode;
  /** With `kvCache`: refresh the cache every n steps of a block instead of once per block (1 = exact decoding). */
  kvCacheRefresh?: number;
}

/**
 * LLaDA / MMaDA semi-autoregressive block sampling: the generated part starts fully masked and is filled
 * block by block, left to right; within a block every step commits the most confident masked predictions,
 * `numTransfer(masked in block, steps per block)[s]` of them per row. All per-step work stays on the device.
 */
export async function semiAutoregressiveSample(
  predictor: MaskPredictor,
  prompt: Tensor,
  opts: SemiAutoregressiveOptions,
): Promise<TextSampleResult> {
  if (prompt.rank !== 2) throw new TensorError('semiAutoregressiveSample', `prompt must be [B, P], got [${prompt.shape.join(', ')}]`);
  const genLength = opts.genLength ?? 128;
  const blockLength = opts.blockLength ?? 128;
  const steps = opts.steps ?? 128;
  const maskId = opts.maskId;
  if (!(genLength > 0 && blockLength > 0 && genLength % blockLength === 0)) {
    throw new TensorError('semiAutoregressiveSample', `genLength ${genLength} must be a positive multiple of blockLength ${blockLength}`);
  }
  const blocks = genLength / blockLength;
  const cacheMode = opts.kvCache ?? 'none';
  if (cacheMode !== 'none' && cacheMode !== 'prefix' && cacheMode !== 'dual') {
    throw new TensorError('semiAutoregressiveSample', `kvCache must be 'none', 'prefix' or 'dual', got ${JSON.stringify(cacheMode)}`);
  }
  const refreshEvery = opts.kvCacheRefresh ?? Infinity;
  if (!(refreshEvery === Infinity || (Number.isInteger(refreshEvery) && refreshEvery >= 1))) {
    throw new TensorError('semiAutoregressiveSample', `kvCacheRefresh must be a positive integer, got ${opts.kvCacheRefresh}`);
  }
  if (cacheMode !== 'none' && !predictor.openKeyValueCache) {
    throw new TensorError('semiAutoregressiveSample', `kvCache '${cacheMode}' needs a predictor with openKeyValueCache; this one has none`);
  }
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
  const cache: DenoiseCache | undefined = cacheMode === 'none' ? undefined : { kv: predictor.openKeyValueCache!(), mode: cacheMode, refreshEvery };
  const d: TextDenoiser = { predictor, opts, padMask, cfgMask, trajectory: opts.returnTrajectory ? [] : undefined, cache, step: 0 };
  try {
    for (let k = 0; k < blocks; k++) {
      const lo = p + k * blockLength;
      x = await denoiseBlock(d, x, lo, lo + blockLength, steps / blocks);
    }
  } finally {
    dispose([padMask, cfgMask]);
    cache?.kv.dispose();
  }
  // With a trajectory, x is also its last entry: hand out a separate handle on the same storage.
  const ids = d.trajectory ? cast(x, 'i32') : x;
  return { ids, trajectory: d.trajectory, steps: d.step };
}
