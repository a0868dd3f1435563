/**
 * The image tokenizer as a value (config + parameter tree) and its two directions: `encodeImages` (pixels in
 * [−1, 1] → LFQ token ids) and `decodeImageTokens` (ids → pixels in ≈[−1, 1]), batched, on whichever device the
 * parameters live. Upstream's `get_code` and `decode_code`.
 */
import { ones, split, TensorError, uniform, zeros, scopeSync, type DeviceName, type PRNGKey, type Tensor } from '@mmada/tensor';
import { decoderForward } from './vq-decoder.js';
import { encoderForward } from './vq-encoder.js';
import { checkVqConfig, downsampleFactor, type VqConfig } from './vq-config.js';
import { lfqCodes, lfqIds } from './lfq.js';
import { buildVqParameters, flattenVqParameters, type VqParameters } from './vq-parameters.js';

export interface ImageTokenizer {
  readonly config: VqConfig;
  readonly params: VqParameters;
}

/** The token grid [h, w] of an image of [height, width] pixels (each side divided by the downsampling factor). */
export function tokenGrid(config: VqConfig, size: readonly [number, number]): [number, number] {
  const f = downsampleFactor(config);
  const [H, W] = size;
  if (H % f !== 0 || W % f !== 0) throw new TensorError('tokenGrid', `image size ${H}×${W} is not a multiple of the downsampling factor ${f}`);
  return [H / f, W / f];
}

/** The pre-quantisation latents z [B, bits, h, w] of images [B, 3, H, W]. */
export function encodeLatents(tokenizer: ImageTokenizer, images: Tensor): Tensor {
  return encoderForward(tokenizer.config, tokenizer.params.encoder, images);
}

/**
 * images [B, 3, H, W] in [−1, 1] (H and W multiples of the downsampling factor, 16 released) → token ids
 * [B, (H/16)·(W/16)] (i32), row-major, MSB-first LFQ indices.
 */
export function encodeImages(tokenizer: ImageTokenizer, images: Tensor): Tensor {
  if (images.rank === 4) tokenGrid(tokenizer.config, [images.shape[2]!, images.shape[3]!]);
  return scopeSync(() => lfqIds(encodeLatents(tokenizer, images)));
}

/**
 * Token ids [B, h·w] → images [B, 3, h·16, w·16] in ≈[−1, 1] (not clamped). `grid` is [h, w]; without it the
 * grid is square (h = w = √N), as upstream's `shape=None`. Non-square grids decode (the decoder is
 * convolutional plus global mid attention).
 */
export function decodeImageTokens(tokenizer: ImageTokenizer, ids: Tensor, grid?: readonly [number, number]): Tensor {
  if (ids.rank !== 2) throw new TensorError('decodeImageTokens', `ids must be [B, h·w], got [${ids.shape.join(', ')}]`);
  const n = ids.shape[1]!;
  let hw = grid;
  if (hw === undefined) {
    const side = Math.round(Math.sqrt(n));
    if (side * side !== n) throw new TensorError('decodeImageTokens', `${n} tokens do not form a square grid; pass grid [h, w]`);
    hw = [side, side];
  }
  return scopeSync(() => decoderForward(tokenizer.config, tokenizer.params.decoder, lfqCodes(ids, hw, tokenizer.config.bits)));
}

/** The device the tokenizer's parameters live on. */
export function imageTokenizerDevice(tokenizer: ImageTokenizer): DeviceName {
  return tokenizer.params.encoder.conv_in.weight.device;
}

/** Frees every parameter tensor. */
export function disposeImageTokenizer(tokenizer: ImageTokenizer): void {
  for (const t of Object.values(flattenVqParameters(tokenizer.params))) t.dispose();
}

export interface InitImageTokenizerOptions {
  readonly device?: DeviceName;
}

/**
 * A tokenizer with fresh parameters, initialised as PyTorch initialises these modules: convolution weights and
 * biases uniform in ±1/√fan_in (kaiming-uniform with a = √5), GroupNorm weight 1 and bias 0. Same key, same
 * parameters, on every device.
 */
export function initImageTokenizer(config: VqConfig, k: PRNGKey, options: InitImageTokenizerOptions = {}): ImageTokenizer {
  checkVqConfig(config);
  const device = options.device;
  const names: Array<[string, readonly number[]]> = [];
  buildVqParameters(config, (name, shape) => {
    names.push([name, shape]);
    return null as unknown as Tensor;
  });
  const keys = split(k, names.length);
  const fanIn = new Map<string, number>();
  for (const [name, shape] of names) if (shape.length === 4) fanIn.set(name.replace(/\.weight$/, ''), shape[1]! * shape[2]! * shape[3]!);
  let i = 0;
  const params = buildVqParameters(config, (name, shape) => {
    const key = keys[i++]!;
    const module = name.replace(/\.(weight|bias)$/, '');
    const fan = fanIn.get(module);
    if (fan === undefined) return name.endsWith('.weight') ? ones(shape, 'f32', { device }) : zeros(shape, 'f32', { device });
    const bound = 1 / Math.sqrt(fan);
    return uniform(key, shape, { minval: -bound, maxval: bound, device });
  });
  return { config, params };
}
