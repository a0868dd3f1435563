/**
 * The multimodal tasks with pixels in and out: an image tokenizer turns images into the codes that
 * `understandImage` / `generateImage` / `inpaintImage` work on, and their codes back into images.
 * Input images go through upstream's transform (resize the shorter side + center crop, or MMaDA's squash)
 * to the model's resolution; output images use upstream's clamp + truncation (or rounding).
 */
import { scope, tensor, TensorError, type PRNGKey } from '@mmada/tensor';
import type { RgbImage } from '@mmada/image';
import type { MaskPredictorModel } from '../model/mask-predictor-model.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import type { ChatOptions, GeneratedText } from '../tasks/generate-text.js';
import { understandImage } from '../tasks/understand-image.js';
import { generateImage, inpaintImage, type GeneratedImage, type ImageSamplingOptions } from '../tasks/generate-image.js';
import { downsampleFactor } from './vq-config.js';
import { decodeImageTokens, encodeImages, imageTokenizerDevice, type ImageTokenizer } from './image-tokenizer.js';
import { imagesToTensor, resizeAndCenterCrop, squashImage, tensorToImages } from './image-pixels.js';

export interface PixelInputOptions {
  /** Side of the square the image is brought to (default 512: 32×32 = 1024 tokens, as MMaDA). */
  readonly resolution?: number;
  /** 'crop' (default): resize the shorter side + center crop, as `image_transform`; 'squash': plain resize. */
  readonly transform?: 'crop' | 'squash';
}

export interface PixelOutputOptions {
  /** How decoded values become bytes: 'truncate' (default, as upstream) or 'round'. */
  readonly rounding?: 'truncate' | 'round';
}

/** Images (any size) → their token codes at the resolution, row-major, one array per image. */
export async function imageCodes(imageTokenizer: ImageTokenizer, images: readonly RgbImage[], options: PixelInputOptions = {}): Promise<number[][]> {
  const resolution = options.resolution ?? 512;
  const prepared = images.map((img) => (options.transform === 'squash' ? squashImage(img, resolution) : resizeAndCenterCrop(img, resolution)));
  return scope(async () => {
    const ids = encodeImages(imageTokenizer, imagesToTensor(prepared, { device: imageTokenizerDevice(imageTokenizer) }));
    return (await ids.array()) as number[][];
  });
}

/** Codes (row-major, a square grid unless `grid` is given) → images. */
export async function codesToImages(
  imageTokenizer: ImageTokenizer,
  codes: readonly (readonly number[])[],
  grid?: readonly [number, number],
  options: PixelOutputOptions = {},
): Promise<RgbImage[]> {
  return scope(async () => {
    const ids = tensor(codes.map((c) => [...c]), undefined, 'i32', { device: imageTokenizerDevice(imageTokenizer) });
    return tensorToImages(decodeImageTokens(imageTokenizer, ids, grid), options);
  });
}

const asList = <T>(x: T | readonly T[]): readonly T[] => (Array.isArray(x) ? (x as readonly T[]) : [x as T]);

/** `understandImage` on pixels: each image is tokenized at the resolution, then answered about. */
export async function understandImagePixels(
  model: MaskPredictorModel,
  tokenizer: TextTokenizer,
  imageTokenizer: ImageTokenizer,
  images: RgbImage | readonly RgbImage[],
  question: string | readonly string[],
  k: PRNGKey,
  options: ChatOptions & PixelInputOptions = {},
): Promise<GeneratedText> {
  const { resolution, transform, ...chat } = options;
  const codes = await imageCodes(imageTokenizer, asList(images), { resolution, transform });
  return understandImage(model, tokenizer, codes, question, k, chat);
}

/** A generated image: its codes and its pixels. */
export interface GeneratedPixels extends GeneratedImage {
  readonly images: RgbImage[];
}

/** `generateImage`, decoded to pixels (a square grid of numImageTokens, 1024 = 512 px by default). */
export async function generateImagePixels(
  model: MaskPredictorModel,
  tokenizer: TextTokenizer,
  imageTokenizer: ImageTokenizer,
  prompt: string | readonly string[],
  k: PRNGKey,
  options: ImageSamplingOptions & PixelOutputOptions = {},
): Promise<GeneratedPixels> {
  const { rounding, ...sampling } = options;
  const generated = await generateImage(model, tokenizer, prompt, k, sampling);
  return { ...generated, images: await codesToImages(imageTokenizer, generated.codes, undefined, { rounding }) };
}

/**
 * Which tokens of a grid a pixel mask covers: a token is regenerated when at least `threshold` (default
 * one half) of the pixels of its patch are masked. `mask` is an image of the grid's pixel size whose non-black
 * pixels are masked.
 */
export function tokenMaskFromPixels(mask: RgbImage, grid: readonly [number, number], threshold = 0.5): boolean[] {
  const [h, w] = grid;
  if (mask.width % w !== 0 || mask.height % h !== 0) throw new TensorError('tokenMaskFromPixels', `a ${mask.width}×${mask.height} mask does not split into a ${h}×${w} grid`);
  const ph = mask.height / h, pw = mask.width / w;
  const out: boolean[] = [];
  for (let ty = 0; ty < h; ty++) {
    for (let tx = 0; tx < w; tx++) {
      let masked = 0;
      for (let y = ty * ph; y < (ty + 1) * ph; y++) {
        for (let x = tx * pw; x < (tx + 1) * pw; x++) {
          const i = (y * mask.width + x) * 3;
          if (mask.data[i]! + mask.data[i + 1]! + mask.data[i + 2]! > 0) masked++;
        }
      }
      out.push(masked >= threshold * ph * pw);
    }
  }
  return out;
}

/**
 * `inpaintImage` on pixels: the image is tokenized at the resolution, the tokens where `regenerate` is true
 * (one flag per token, row-major; see tokenMaskFromPixels) are generated anew under the prompt, and the result
 * is decoded.
 */
export async function inpaintImagePixels(
  model: MaskPredictorModel,
  tokenizer: TextTokenizer,
  imageTokenizer: ImageTokenizer,
  prompt: string,
  image: RgbImage,
  regenerate: readonly boolean[],
  k: PRNGKey,
  options: ImageSamplingOptions & PixelInputOptions & PixelOutputOptions = {},
): Promise<GeneratedPixels> {
  const { resolution, transform, rounding, ...sampling } = options;
  const [codes] = await imageCodes(imageTokenizer, [image], { resolution, transform });
  if (regenerate.length !== codes!.length) {
    const side = (resolution ?? 512) / downsampleFactor(imageTokenizer.config);
    throw new TensorError('inpaintImagePixels', `regenerate has ${regenerate.length} flags; the ${side}×${side} token grid needs ${codes!.length}`);
  }
  const known = codes!.map((c, i) => (regenerate[i] ? null : c));
  const generated = await inpaintImage(model, tokenizer, prompt, known, k, sampling);
  return { ...generated, images: await codesToImages(imageTokenizer, generated.codes, undefined, { rounding }) };
}
