/**
 * Text-to-image over image TOKENS: the t2i layout with MASK in every image slot (or known codes, for
 * inpainting), decoded by @mmada/diffusion's MaskGIT sampler with classifier-free guidance against the
 * empty-prompt row (spec/diffusion.md §3). Returns codes; pixels come from the image tokenizer.
 */
import { maskgitSample, type MaskgitOptions } from '@mmada/diffusion';
import { scope, sliceAxis, tensor, type PRNGKey } from '@mmada/tensor';
import { asMaskPredictor } from '../model/as-mask-predictor.js';
import { withStepListener, type StepListener } from '../model/with-step-listener.js';
import { modelDevice, type MaskPredictorModel } from '../model/mask-predictor-model.js';
import { t2iSequence, t2iUnconditionalPrompt } from '../prompting/t2i-prompt.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { MMADA_CODEBOOK_SIZE } from '../tokenizer/special-tokens.js';

export type ImageSamplingOptions = Omit<
  MaskgitOptions,
  'numImageTokens' | 'key' | 'maskId' | 'padMask' | 'uncondIds' | 'uncondPrefix' | 'uncondPadMask' | 'imageStart' | 'codebookOffset' | 'codebookSize' | 'returnTrajectory'
> & {
  /** Codes in the image tokenizer's codebook (default: the model config's, else MMaDA's 8192). */
  readonly codebookSize?: number;
  /** Image tokens per image: (resolution / 16)², 1024 at 512 px (default), 256 at 256 px. */
  readonly numImageTokens?: number;
  /** `max_seq_length` of the prompt layout (default 512 as MMaDA's 512-px configs; 256 for MMaDA-8B-Pretrain). */
  readonly maxSeqLength?: number;
  /** Attend everywhere, ignoring the [iPAD] padding (legacy upstream; spec Quirk 9.1). */
  readonly ignorePadMask?: boolean;
  /** Called with the ids [B, L] before every forward pass (the state after each step), e.g. to show the image filling in. */
  readonly onStep?: StepListener;
};

export interface GeneratedImage {
  /** Per prompt: the codes, row-major (numImageTokens of them, 0 .. codebookSize − 1). */
  readonly codes: number[][];
}

/**
 * Generates (codes `null` / absent) or inpaints (known codes kept, `null` cells regenerated) one image per prompt.
 */
export async function sampleImageCodes(
  model: MaskPredictorModel,
  tokenizer: TextTokenizer,
  prompts: readonly string[],
  known: readonly (readonly (number | null)[])[] | undefined,
  k: PRNGKey,
  options: ImageSamplingOptions,
): Promise<GeneratedImage> {
  const s = tokenizer.specialTokens;
  const n = options.numImageTokens ?? known?.[0]?.length ?? 1024;
  const maxSeqLength = options.maxSeqLength ?? 512;
  const layout = { specialTokens: s, maxSeqLength };
  if (known && (known.length !== prompts.length || known.some((c) => c.length !== n))) {
    throw new Error(`inpaintImage: give one code grid of ${n} cells per prompt`);
  }
  const rows = prompts.map((p, i) => {
    const image = known ? known[i]!.map((c) => (c === null ? s.mask : c + s.imageTokenOffset)) : new Array<number>(n).fill(s.mask);
    return t2iSequence(tokenizer.encode(p), image, layout);
  });
  const uncond = t2iUnconditionalPrompt(n, layout);
  const { ignorePadMask, onStep, numImageTokens: _n, maxSeqLength: _m, ...sampler } = options;
  const device = modelDevice(model);
  return scope(async () => {
    const ids = tensor(rows.map((r) => r.ids as number[]), undefined, 'i32', { device });
    const usePad = !ignorePadMask;
    const padMask = usePad ? tensor(rows.map((r) => r.padMask as number[]), undefined, 'i32', { device }) : undefined;
    const uncondRows = tensor(rows.map(() => uncond.ids as number[]), undefined, 'i32', { device });
    const uncondPrefix = sliceAxis(uncondRows, 1, 0, maxSeqLength + 1);
    const uncondPadMask = usePad ? tensor(rows.map(() => uncond.padMask as number[]), undefined, 'i32', { device }) : undefined;
    const r = await maskgitSample(withStepListener(asMaskPredictor(model), onStep), ids, {
      ...sampler,
      numImageTokens: n,
      key: k,
      maskId: s.mask,
      codebookOffset: s.imageTokenOffset,
      codebookSize: sampler.codebookSize ?? model.config.codebookSize ?? MMADA_CODEBOOK_SIZE,
      imageStart: maxSeqLength + 2,
      padMask,
      uncondPrefix,
      uncondPadMask,
    });
    return { codes: (await r.codes.array()) as number[][] };
  });
}

/** Generates one image (as codes) per prompt. */
export function generateImage(model: MaskPredictorModel, tokenizer: TextTokenizer, prompt: string | readonly string[], k: PRNGKey, options: ImageSamplingOptions = {}): Promise<GeneratedImage> {
  return sampleImageCodes(model, tokenizer, typeof prompt === 'string' ? [prompt] : prompt, undefined, k, options);
}

/** Regenerates the `null` cells of each code grid, keeping the others (Show-o's inpainting recipe). */
export function inpaintImage(
  model: MaskPredictorModel,
  tokenizer: TextTokenizer,
  prompt: string | readonly string[],
  codes: readonly (number | null)[] | readonly (readonly (number | null)[])[],
  k: PRNGKey,
  options: ImageSamplingOptions = {},
): Promise<GeneratedImage> {
  const grids = Array.isArray(codes[0]) ? (codes as readonly (readonly (number | null)[])[]) : [codes as readonly (number | null)[]];
  return sampleImageCodes(model, tokenizer, typeof prompt === 'string' ? [prompt] : prompt, grids, k, { ...options, numImageTokens: grids[0]!.length });
}
