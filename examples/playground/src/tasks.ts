/**
 * The playground's three tasks as plain functions of a loaded model: the page calls them on its device (WebGPU,
 * or cpu where there is none) and the end-to-end test calls the very same functions in Node on the cpu device,
 * so a fixed seed must give identical ids and pixels in both (the PRNG is device-independent).
 */
import type { Remasking } from '@mmada/diffusion';
import { verifyT2I, type T2IPrompt, type T2IVerdict } from '@mmada/eval';
import type { RgbImage } from '@mmada/image';
import {
  chat,
  codesToImages,
  generateImage,
  imageCodes,
  t2iConditioningText,
  t2iPlanRequest,
  understandImage,
  type ImageTokenizer,
  type MaskPredictorModel,
  type TextTokenizer,
} from '@mmada/mmada';
import { key } from '@mmada/tensor';

/** The `max_seq_length` of the t2i layout mmada-tiny was trained with (prompt text in 40 tokens). */
export const T2I_MAX_SEQ_LENGTH = 40;

export interface Loaded {
  readonly model: MaskPredictorModel;
  readonly tokenizer: TextTokenizer;
  readonly imageTokenizer: ImageTokenizer;
}

/** The sampler panel: the semi-autoregressive text sampler's settings. */
export interface TextSampler {
  /** Tokens generated after the prompt. */
  readonly genLength: number;
  /** Denoising steps in all (split evenly over the blocks; unused with a threshold). */
  readonly steps: number;
  readonly blockLength: number;
  /** 0 is greedy (argmax); otherwise Gumbel-max at this temperature. */
  readonly temperature: number;
  readonly remasking: Remasking;
  /** Confidence-threshold parallel decoding (commit every token at least this confident), or undefined. */
  readonly threshold?: number;
}

/** The settings the shipped model was scored with (greedy, one token per step, blocks of 16). */
export const DEFAULT_TEXT_SAMPLER: TextSampler = { genLength: 64, steps: 64, blockLength: 16, temperature: 0, remasking: 'low_confidence' };

/** The MaskGIT image sampler's settings. */
export interface ImageSampler {
  readonly steps: number;
  /** τ₀ of the confidence noise (0: greedy order). */
  readonly temperature: number;
  /** Classifier-free guidance w: (1+w)·cond − w·uncond (0: none). */
  readonly guidance: number;
  /** Have the model write a plan first (`PLAN_SAMPLER`) and draw from the prompt followed by its plan. */
  readonly planFirst: boolean;
}

/**
 * The settings the shipped model's images were scored with: a plan first, then one step per image token (16),
 * greedy, its guidance.
 */
export const DEFAULT_IMAGE_SAMPLER: ImageSampler = { steps: 16, temperature: 0, guidance: 1, planFirst: true };

/** How a plan is written: greedy, 32 tokens in blocks of 16 (the recipe's planLength; the longest plan is 26). */
export const PLAN_SAMPLER: TextSampler = { genLength: 32, steps: 32, blockLength: 16, temperature: 0, remasking: 'low_confidence' };

/** Why an image sampler setting cannot be used, naming the field; undefined when the settings are usable. */
export function imageSamplerProblem(s: ImageSampler): string | undefined {
  if (!Number.isInteger(s.steps) || s.steps < 1) return `image steps must be a positive integer, got ${s.steps}`;
  if (!(s.temperature >= 0)) return `image temperature must be ≥ 0, got ${s.temperature}`;
  if (!(s.guidance >= 0 && s.guidance <= 100)) return `image guidance must be in [0, 100], got ${s.guidance}`;
  if (typeof s.planFirst !== 'boolean') return `planFirst must be true or false, got ${String(s.planFirst)}`;
  return undefined;
}

/** Why a sampler setting cannot be used, naming the field; undefined when the settings are usable. */
export function textSamplerProblem(s: TextSampler): string | undefined {
  const positive = (x: number) => Number.isInteger(x) && x > 0;
  if (!positive(s.genLength)) return `genLength must be a positive integer, got ${s.genLength}`;
  if (!positive(s.blockLength) || s.genLength % s.blockLength !== 0) return `blockLength must divide genLength (${s.genLength}), got ${s.blockLength}`;
  const blocks = s.genLength / s.blockLength;
  if (s.threshold === undefined && (!positive(s.steps) || s.steps % blocks !== 0)) return `steps must be a positive multiple of the ${blocks} blocks, got ${s.steps}`;
  if (!(s.temperature >= 0)) return `temperature must be ≥ 0, got ${s.temperature}`;
  if (s.threshold !== undefined && !(s.threshold > 0 && s.threshold <= 1)) return `threshold must be in (0, 1], got ${s.threshold}`;
  return undefined;
}

const textOptions = (s: TextSampler, tokenizer: TextTokenizer, onStep?: (answer: number[]) => void | Promise<void>) => {
  const problem = textSamplerProblem(s);
  if (problem) throw new RangeError(`sampler: ${problem}`);
  return {
    genLength: s.genLength,
    steps: s.steps,
    blockLength: s.blockLength,
    temperature: s.temperature,
    remasking: s.remasking,
    ...(s.threshold !== undefined ? { threshold: s.threshold } : {}),
    eotId: tokenizer.specialTokens.eotId,
    // The answer (the last genLength tokens) of the first row: what the page shows filling in.
    ...(onStep ? { onStep: (ids: number[][]) => onStep(ids[0]!.slice(ids[0]!.length - s.genLength)) } : {}),
  };
};

export interface TextResult {
  readonly text: string;
  /** The generated ids (genLength of them). */
  readonly ids: number[];
  readonly steps: number;
}

/** Chat / reasoning: one user message answered with the sampler's settings. */
export async function runChat(
  loaded: Loaded,
  message: string,
  seed: number,
  sampler: TextSampler,
  onStep?: (answer: number[]) => void | Promise<void>,
): Promise<TextResult> {
  const { model, tokenizer } = loaded;
  const r = await chat(model, tokenizer, message, key(seed), textOptions(sampler, tokenizer, onStep));
  return { text: r.texts[0]!, ids: r.ids[0]!, steps: r.steps };
}

export interface UnderstandingResult extends TextResult {
  /** The image's codes (row-major). */
  readonly codes: number[];
}

/** Understanding: the image is tokenized at its own resolution, then the question is answered about it. */
export async function runUnderstanding(
  loaded: Loaded,
  image: RgbImage,
  question: string,
  seed: number,
  sampler: TextSampler,
  onStep?: (answer: number[]) => void | Promise<void>,
): Promise<UnderstandingResult> {
  const { model, tokenizer, imageTokenizer } = loaded;
  const [codes] = await imageCodes(imageTokenizer, [image], { resolution: image.width });
  const r = await understandImage(model, tokenizer, codes!, question, key(seed), textOptions(sampler, tokenizer, onStep));
  return { text: r.texts[0]!, ids: r.ids[0]!, steps: r.steps, codes: codes! };
}

export interface ImageResult {
  /** The sampled codes (row-major). */
  readonly codes: number[];
  readonly image: RgbImage;
  /** The plan the model wrote before drawing (with `planFirst`), as it was conditioned on. */
  readonly plan?: string;
  /** The pixel verifier's verdict, when the prompt is a ShapesWorld prompt. */
  readonly verdict?: T2IVerdict;
}

/**
 * Text-to-image: with `planFirst`, a plan written first (as mmada-tiny's scores are made); then MaskGIT over the
 * image tokens, decoded to pixels. `onPlan` gets the plan, `onStep` the codes after every step (−1 where still
 * masked). With a structured ShapesWorld prompt, the pixel verifier judges the image.
 */
export async function runTextToImage(
  loaded: Loaded,
  prompt: string | T2IPrompt,
  seed: number,
  sampler: ImageSampler,
  onStep?: (codes: number[]) => void | Promise<void>,
  onPlan?: (plan: string) => void | Promise<void>,
): Promise<ImageResult> {
  const problem = imageSamplerProblem(sampler);
  if (problem) throw new RangeError(`image sampler: ${problem}`);
  const { model, tokenizer, imageTokenizer } = loaded;
  const text = typeof prompt === 'string' ? prompt : prompt.prompt;
  let plan: string | undefined;
  if (sampler.planFirst) {
    const r = await chat(model, tokenizer, [[{ role: 'user', content: t2iPlanRequest(text) }]], key(seed), textOptions(PLAN_SAMPLER, tokenizer));
    plan = r.texts[0]!.trim();
    await onPlan?.(plan);
  }
  const n = model.config.numVqTokens ?? 4;
  const s = tokenizer.specialTokens;
  // The image slots are the n tokens before <|eoi|> at the end of the row.
  const codesOf = (row: readonly number[]) => row.slice(row.length - 1 - n, row.length - 1).map((t) => (t === s.mask ? -1 : t - s.imageTokenOffset));
  const g = await generateImage(model, tokenizer, t2iConditioningText(text, plan), key(seed), {
    numImageTokens: n,
    maxSeqLength: T2I_MAX_SEQ_LENGTH,
    steps: sampler.steps,
    temperature: sampler.temperature,
    guidanceScale: sampler.guidance,
    ...(onStep ? { onStep: (ids: number[][]) => onStep(codesOf(ids[0]!)) } : {}),
  });
  const [image] = await codesToImages(imageTokenizer, g.codes);
  return { codes: g.codes[0]!, image: image!, ...(plan !== undefined ? { plan } : {}), ...(typeof prompt === 'string' ? {} : { verdict: verifyT2I(image!, prompt) }) };
}

/** Partially decoded codes as an image: masked cells grey, the others decoded (for showing MaskGIT's progress). */
export async function previewCodes(imageTokenizer: ImageTokenizer, codes: readonly number[]): Promise<RgbImage> {
  const [image] = await codesToImages(imageTokenizer, [codes.map((c) => Math.max(0, c))]);
  const img = image!;
  const side = Math.round(Math.sqrt(codes.length));
  const cell = img.width / side;
  const data = new Uint8Array(img.data);
  codes.forEach((c, i) => {
    if (c >= 0) return;
    const cx = (i % side) * cell, cy = Math.floor(i / side) * cell;
    for (let y = cy; y < cy + cell; y++) for (let x = cx; x < cx + cell; x++) data.fill(128, (y * img.width + x) * 3, (y * img.width + x) * 3 + 3);
  });
  return { width: img.width, height: img.height, data };
}
