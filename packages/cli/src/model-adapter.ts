/**
 * A loaded @mmada/mmada model as the evaluation harness's model interfaces (@mmada/eval: `TextModel`,
 * `UnderstandingModel`, `TextToImageModel`, `ChoiceScorer`). The harness knows nothing of MMaDA; this file is
 * the one place where the two meet.
 *
 * Sampling is deterministic per input: every call draws its PRNG key from the run's seed folded with a hash of
 * the prompt, so an item gets the same answer whatever its position in the dataset, and a resumed run gives
 * what an uninterrupted one would have.
 */
import * as E from 'fp-ts/lib/Either.js';
import { monteCarloLogLikelihood, type MaskPredictor } from '@mmada/diffusion';
import type { ChoiceScorer, GenerationOptions, ImageInput, TextModel, TextToImageModel, UnderstandingModel } from '@mmada/eval';
import {
  asMaskPredictor, chat, decodeImageTokens, encodeImages, generateImage, generateText, imagesToTensor, modelDevice, resizeAndCenterCrop,
  tensorToImages, tokenGrid, understandImage, type ImageTokenizer, type MaskPredictorModel, type TextTokenizer
} from '@mmada/mmada';
import { decodeImage, type DecodeOptions, type RgbImage } from '@mmada/image';
import { foldIn, key, readRegularFile, scope, tensor, type DeviceName, type PRNGKey } from '@mmada/tensor';

/** FNV-1a over the UTF-16 code units: a stable 32-bit hash of a prompt. */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The key of one model call: the run's seed folded with the hash of everything that defines the input. */
export const keyFor = (seed: number, ...parts: string[]): PRNGKey => foldIn(key(seed), hashText(parts.join('\u0000')));

export interface TextAdapterOptions {
  /** Tokens to generate per answer. */
  readonly genLength: number;
  /** Denoising steps when the harness passes none. */
  readonly steps: number;
  readonly blockLength: number;
  readonly temperature: number;
  /** Confidence-threshold decoding (steps unused), or none. */
  readonly threshold?: number;
  /** Fast-dLLM key/value cache (default 'none': exact). */
  readonly kvCache?: 'none' | 'prefix' | 'dual';
  readonly seed: number;
  /** Wrap prompts in the inference chat template (true) or complete them as given (false). */
  readonly chat: boolean;
  /** With `chat`: MMaDA's thinking-mode instruction. */
  readonly thinking?: boolean;
}

/** The text sampler's options of one call: the adapter's, with the harness's step count when it passes one. */
function textSampling(options: TextAdapterOptions, call: GenerationOptions | undefined) {
  return {
    genLength: options.genLength,
    steps: call?.steps ?? options.steps,
    blockLength: options.blockLength,
    temperature: options.temperature,
    threshold: options.threshold,
    kvCache: options.kvCache,
  };
}

/** `TextModel`: generate(prompt) → the decoded answer (chat template by default, as for instruct models). */
export function textModelAdapter(model: MaskPredictorModel, tokenizer: TextTokenizer, options: TextAdapterOptions): TextModel {
  return {
    async generate(prompt: string, call?: GenerationOptions): Promise<string> {
      const sampling = textSampling(options, call);
      const k = keyFor(options.seed, 'text', prompt);
      const r = options.chat
        ? await chat(model, tokenizer, prompt, k, { ...sampling, thinking: options.thinking })
        : await generateText(model, tokenizer, prompt, k, sampling);
      return r.texts[0]!;
    },
  };
}

/** An image as the harness hands it over (pixels, or a dataset reference) → pixels; `maxPixels` caps what is decoded. */
export async function imageInputPixels(image: ImageInput, options: DecodeOptions = {}): Promise<RgbImage> {
  if ('data' in image && 'width' in image) return image;
  const ref = image as { bytes?: Uint8Array; path?: string };
  let bytes = ref.bytes;
  if (!bytes) {
    if (!ref.path) throw new Error('an image reference has neither bytes nor a path');
    bytes = await readRegularFile(ref.path, { what: 'image' });
  }
  const decoded = decodeImage(bytes, options);
  if (E.isLeft(decoded)) throw new Error(`${ref.path ?? 'image bytes'}: ${decoded.left}`);
  return decoded.right;
}

export interface ImageAdapterOptions extends TextAdapterOptions {
  readonly vq: ImageTokenizer;
  /** Side of the square images the tokenizer sees and t2i draws (a multiple of its downsampling factor). */
  readonly resolution: number;
  readonly device: DeviceName;
  /** Images from a dataset with more pixels than this are refused before decoding (default MAX_IMAGE_PIXELS). */
  readonly maxImagePixels?: number;
}

/** Pixels → image codes with the tokenizer (resize the shorter side, center-crop, as upstream's image_transform). */
export async function imageCodes(vq: ImageTokenizer, image: RgbImage, resolution: number, device: DeviceName): Promise<number[]> {
  const square = image.width === resolution && image.height === resolution ? image : resizeAndCenterCrop(image, resolution);
  return scope(async () => {
    const ids = encodeImages(vq, imagesToTensor([square], { device }));
    return Array.from(await ids.data());
  });
}

/** `UnderstandingModel`: the image is tokenized by the VQ model, the answer generated in the mmu layout. */
export function understandingModelAdapter(model: MaskPredictorModel, tokenizer: TextTokenizer, options: ImageAdapterOptions): UnderstandingModel {
  return {
    async understand(image: ImageInput, question: string, call?: GenerationOptions): Promise<string> {
      const codes = await imageCodes(options.vq, await imageInputPixels(image, options.maxImagePixels !== undefined ? { maxPixels: options.maxImagePixels } : {}), options.resolution, options.device);
      const k = keyFor(options.seed, 'mmu', question, codes.join(','));
      const r = await understandImage(model, tokenizer, codes, question, k, {
        ...textSampling(options, call),
        thinking: options.thinking,
      });
      return r.texts[0]!;
    },
  };
}

export interface TextToImageAdapterOptions {
  readonly vq: ImageTokenizer;
  readonly resolution: number;
  /** MaskGIT steps when the harness passes none. */
  readonly steps: number;
  readonly guidanceScale: number;
  readonly temperature: number;
  /** `max_seq_length` of the t2i prompt layout. */
  readonly maxSeqLength: number;
  readonly seed: number;
}

/** `TextToImageModel`: MaskGIT sampling of the codes, decoded to pixels by the VQ model. */
export function textToImageAdapter(model: MaskPredictorModel, tokenizer: TextTokenizer, options: TextToImageAdapterOptions): TextToImageModel {
  const grid = tokenGrid(options.vq.config, [options.resolution, options.resolution]);
  return {
    async textToImage(prompt: string, call?: GenerationOptions): Promise<RgbImage> {
      const { codes } = await generateImage(model, tokenizer, prompt, keyFor(options.seed, 't2i', prompt), {
        numImageTokens: grid[0] * grid[1],
        steps: call?.steps ?? options.steps,
        guidanceScale: options.guidanceScale,
        temperature: options.temperature,
        maxSeqLength: options.maxSeqLength,
      });
      const device = modelDevice(model);
      const images = await scope(async () => {
        const pixels = decodeImageTokens(options.vq, tensor([codes[0]!], undefined, 'i32', { device }), grid);
        return tensorToImages(pixels);
      });
      return images[0]!;
    },
  };
}

export interface LikelihoodScorerOptions {
  /** Monte-Carlo samples per choice (a multiple of batchSize). */
  readonly mcNum: number;
  /** Rows per predictor call (default min(mcNum, 8)). */
  readonly batchSize?: number;
  readonly maskId: number;
  readonly seed: number;
  readonly device: DeviceName;
}

/**
 * `ChoiceScorer` by LLaDA's Monte-Carlo ELBO (@mmada/diffusion `monteCarloLogLikelihood`): each choice's
 * tokens are scored as the continuation of the context's tokens. All choices of a question share one key
 * (common random numbers: the same mask levels for every option), which lowers the variance of the comparison.
 */
export function likelihoodChoiceScorer(predictor: MaskPredictor, encode: (text: string) => number[], options: LikelihoodScorerOptions): ChoiceScorer {
  const batchSize = options.batchSize ?? Math.min(options.mcNum, 8);
  return {
    async scoreChoices(context: string, choices: readonly string[]): Promise<number[]> {
      const contextIds = encode(context);
      const k = keyFor(options.seed, 'choice', context);
      const scores: number[] = [];
      for (const choice of choices) {
        const answerIds = encode(choice);
        if (answerIds.length === 0) {
          scores.push(Number.NaN);
          continue;
        }
        scores.push(
          await scope(async () => {
            const prompt = tensor(contextIds, [contextIds.length], 'i32', { device: options.device });
            const answer = tensor(answerIds, [answerIds.length], 'i32', { device: options.device });
            const r = await monteCarloLogLikelihood(predictor, prompt, answer, { mcNum: options.mcNum, batchSize, key: k, maskId: options.maskId });
            return r.elbo.item();
          }),
        );
      }
      return scores;
    },
  };
}

/** The likelihood scorer over a loaded model and its tokenizer. */
export const modelChoiceScorer = (model: MaskPredictorModel, tokenizer: TextTokenizer, options: Omit<LikelihoodScorerOptions, 'maskId'>): ChoiceScorer =>
  likelihoodChoiceScorer(asMaskPredictor(model), (t) => tokenizer.encode(t), { ...options, maskId: model.config.maskTokenId });
