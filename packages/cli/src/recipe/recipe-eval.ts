/**
 * The scores a stage of the recipe is judged by, on ShapesWorld's held-out test split (never trained on):
 * reasoning accuracy and `<think>` format rate, understanding accuracy per category, text-to-image pass
 * rate per GenEval category from the pixel verifier. Items are answered in batches with greedy sampling
 * (temperature 0, one token per step), so the numbers are a deterministic function of the weights.
 */
import {
  answerAfterThink, finalAnswerCorrect, generateShapesWorld, hasThinkFormat, renderScene, scoreUnderstanding, verifyT2I, type RgbImage,
} from '@mmada/eval';
import { chat, codesToImages, imageCodes, understandImage, generateImage, type ImageTokenizer, type MaskPredictorModel, type TextTokenizer } from '@mmada/mmada';
import { foldIn, key } from '@mmada/tensor';
import { T2I_MAX_SEQ_LENGTH } from './stage-data.js';
import { recipeValidationItems } from './validation-split.js';
import { t2iConditioningText, t2iPlanRequest } from './shapesworld-text.js';

export interface RecipeSampling {
  /** Tokens generated for a reasoning answer (the longest held-out trace is 52 tokens) / an understanding answer (40) / a t2i plan (26). */
  readonly reasoningLength: number;
  readonly understandingLength: number;
  readonly planLength: number;
  readonly blockLength: number;
  /** MaskGIT steps for an image's tokens (default: one per token, the model's numVqTokens: 4 for a 2×2 grid). */
  readonly imageSteps?: number;
  /** Text sampler: confidence-threshold decoding (default none: one token per step). */
  readonly threshold?: number;
  /** Text sampler: Fast-dLLM key/value cache (default 'none': exact). */
  readonly kvCache?: 'none' | 'prefix' | 'dual';
  /**
   * Classifier-free guidance w of the image sampler, (1+w)·cond − w·uncond (default 0: none). Only a model
   * trained with caption dropout has learned the unconditional row it guides against.
   */
  readonly guidanceScale?: number;
}

/** Whether two samplings give the same scores (an absent option and its default are the same). */
export function sameSampling(a: RecipeSampling, b: RecipeSampling): boolean {
  const norm = (s: RecipeSampling) => JSON.stringify({ ...s, guidanceScale: s.guidanceScale ?? 0, kvCache: s.kvCache ?? 'none', threshold: s.threshold ?? null, imageSteps: s.imageSteps ?? null });
  return norm(a) === norm(b);
}

export const RECIPE_SAMPLING: RecipeSampling = { reasoningLength: 64, understandingLength: 48, planLength: 32, blockLength: 16 };

export interface FamilyScore {
  readonly n: number;
  readonly correct: number;
  readonly accuracy: number;
  readonly byCategory: Record<string, { n: number; correct: number; accuracy: number }>;
}

export interface RecipeScores {
  readonly reasoning: FamilyScore & { readonly thinkFormatRate: number };
  readonly understanding: FamilyScore;
  readonly t2i: FamilyScore;
}

export interface RecipeEvalOptions {
  /** Items per family (default 100). */
  readonly count?: number;
  /** 'test' (default): the held-out test split; 'validation': the recipe's validation split, for choosing sampling. */
  readonly split?: 'test' | 'validation';
  /** With 'validation': the run's pool sizes, after which the split starts (default the recipe's). */
  readonly pools?: { reasoning: number; images: number };
  readonly batchSize?: number;
  /** Stage 2 models write a plan before the image and may think before answering about an image. */
  readonly planFirst?: boolean;
  readonly sampling?: RecipeSampling;
  readonly seed?: number;
  /** Called after each batch with the family and how many items are done. */
  readonly onProgress?: (family: string, done: number, total: number) => void;
}

function score(results: readonly { category: string; correct: boolean }[]): FamilyScore {
  const byCategory: FamilyScore['byCategory'] = {};
  for (const r of results) {
    const c = (byCategory[r.category] ??= { n: 0, correct: 0, accuracy: 0 });
    c.n++;
    if (r.correct) c.correct++;
  }
  for (const c of Object.values(byCategory)) c.accuracy = c.correct / c.n;
  const correct = results.filter((r) => r.correct).length;
  return { n: results.length, correct, accuracy: results.length ? correct / results.length : 0, byCategory };
}

async function inBatches<T, R>(items: readonly T[], size: number, run: (batch: readonly T[], index: number) => Promise<R[]>, progress?: (done: number) => void): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await run(items.slice(i, i + size), i)));
    progress?.(Math.min(items.length, i + size));
  }
  return out;
}

/** The text sampler's options for `genLength` tokens under the recipe's sampling (greedy, one token per step unless a threshold is set). */
export const recipeTextSampling = (genLength: number, s: RecipeSampling) => ({
  genLength, steps: genLength, blockLength: s.blockLength, temperature: 0, threshold: s.threshold, kvCache: s.kvCache,
});

/** Reasoning answers for questions (batched, greedy). */
export async function answerQuestions(model: MaskPredictorModel, tok: TextTokenizer, questions: readonly string[], seed = 0, sampling = RECIPE_SAMPLING): Promise<string[]> {
  const r = await chat(model, tok, questions.map((q) => [{ role: 'user', content: q }]), foldIn(key(seed), questions.length), recipeTextSampling(sampling.reasoningLength, sampling));
  return r.texts;
}

/** Answers about images (batched, greedy). */
export async function answerAboutImages(
  model: MaskPredictorModel, tok: TextTokenizer, vq: ImageTokenizer, images: readonly RgbImage[], questions: readonly string[], seed = 0, sampling = RECIPE_SAMPLING,
): Promise<string[]> {
  const codes = await imageCodes(vq, images, { resolution: images[0]!.width });
  const r = await understandImage(model, tok, codes, questions, foldIn(key(seed), 1), recipeTextSampling(sampling.understandingLength, sampling));
  return r.texts;
}

/** The plans a stage-2 model writes before drawing (greedy, so the same for every image sampling). */
export async function writePlans(model: MaskPredictorModel, tok: TextTokenizer, prompts: readonly string[], seed = 0, sampling = RECIPE_SAMPLING): Promise<string[]> {
  const r = await chat(model, tok, prompts.map((p) => [{ role: 'user', content: t2iPlanRequest(p) }]), foldIn(key(seed), 2), recipeTextSampling(sampling.planLength, sampling));
  // The plan keeps its <think> tags (text tokens survive decoding) and is conditioned on as written.
  return r.texts.map((t) => t.trim());
}

/**
 * Images for prompts; with `planFirst`, the model writes each plan first and draws from prompt + plan. `plans`
 * gives them already written (writePlans), e.g. to draw the same prompts under several guidance scales.
 */
export async function drawImages(
  model: MaskPredictorModel, tok: TextTokenizer, vq: ImageTokenizer, prompts: readonly string[],
  options: { planFirst?: boolean; plans?: readonly string[]; seed?: number; sampling?: RecipeSampling } = {},
): Promise<{ images: RgbImage[]; plans: (string | undefined)[]; codes: number[][] }> {
  const sampling = options.sampling ?? RECIPE_SAMPLING;
  if (options.plans && options.plans.length !== prompts.length) throw new RangeError(`drawImages: ${options.plans.length} plans for ${prompts.length} prompts`);
  const plans: (string | undefined)[] = options.plans
    ? [...options.plans]
    : options.planFirst
      ? await writePlans(model, tok, prompts, options.seed ?? 0, sampling)
      : prompts.map(() => undefined);
  const texts = prompts.map((p, i) => t2iConditioningText(p, plans[i]));
  const numImageTokens = model.config.numVqTokens ?? 4;
  const g = await generateImage(model, tok, texts, foldIn(key(options.seed ?? 0), 3), {
    numImageTokens,
    maxSeqLength: T2I_MAX_SEQ_LENGTH,
    steps: sampling.imageSteps ?? numImageTokens,
    temperature: 0,
    guidanceScale: sampling.guidanceScale ?? 0,
  });
  const images = await codesToImages(vq, g.codes);
  return { images, plans, codes: g.codes };
}

/** What the model produced for each scored item, in test-split order (for reports). */
export interface RecipeOutputs {
  readonly reasoning: readonly string[];
  readonly understanding: readonly string[];
  readonly t2i: readonly { readonly image: RgbImage; readonly plan: string | undefined; readonly correct: boolean; readonly reasons: readonly string[] }[];
}

/** Scores a model on `count` test items of each family. */
export async function evaluateRecipeModel(model: MaskPredictorModel, tok: TextTokenizer, vq: ImageTokenizer, options: RecipeEvalOptions = {}): Promise<RecipeScores> {
  return (await evaluateRecipeModelWithOutputs(model, tok, vq, options)).scores;
}

/** `evaluateRecipeModel`, also returning every answer and image it scored. */
export async function evaluateRecipeModelWithOutputs(
  model: MaskPredictorModel, tok: TextTokenizer, vq: ImageTokenizer, options: RecipeEvalOptions = {},
): Promise<{ scores: RecipeScores; outputs: RecipeOutputs }> {
  const count = options.count ?? 100;
  const bs = options.batchSize ?? 50;
  const seed = options.seed ?? 0;
  const sampling = options.sampling ?? RECIPE_SAMPLING;
  const items = <T extends 'reasoning' | 'understanding' | 't2i'>(task: T) =>
    options.split === 'validation' ? recipeValidationItems(task, count, options.pools) : generateShapesWorld(task, { split: 'test', count });

  const reasoning = items('reasoning');
  const rAnswers = await inBatches(reasoning, bs, (b) => answerQuestions(model, tok, b.map((r) => r.problem.question), seed, sampling), (d) => options.onProgress?.('reasoning', d, count));
  const rScore = score(reasoning.map((r, i) => ({ category: `${r.problem.steps}-step`, correct: finalAnswerCorrect(rAnswers[i]!, r.problem.answer) })));
  const thinkFormatRate = rAnswers.filter((a) => hasThinkFormat(a)).length / Math.max(1, rAnswers.length);

  const understanding = items('understanding');
  const uAnswers = await inBatches(
    understanding, bs,
    (b) => answerAboutImages(model, tok, vq, b.map((r) => renderScene(r.scene)), b.map((r) => r.question.question), seed, sampling),
    (d) => options.onProgress?.('understanding', d, count),
  );
  const uScore = score(understanding.map((r, i) => ({ category: r.category, correct: scoreUnderstanding(answerAfterThink(uAnswers[i]!), r.question) })));

  const t2i = items('t2i');
  const drawn = await inBatches(
    t2i, bs,
    async (b) => {
      const { images, plans } = await drawImages(model, tok, vq, b.map((r) => r.prompt.prompt), { planFirst: options.planFirst, seed, sampling });
      return images.map((image, i) => {
        const verdict = verifyT2I(image, b[i]!.prompt);
        return { image, plan: plans[i], correct: verdict.correct, reasons: verdict.reasons };
      });
    },
    (d) => options.onProgress?.('t2i', d, count),
  );
  const tScore = score(t2i.map((r, i) => ({ category: r.category, correct: drawn[i]!.correct })));
  return {
    scores: { reasoning: { ...rScore, thinkFormatRate }, understanding: uScore, t2i: tScore },
    outputs: { reasoning: rAnswers, understanding: uAnswers, t2i: drawn },
  };
}

/** One markdown table row per stage: the Table-5-style summary of the model card. */
export function scoresTable(rows: readonly { stage: string; scores: RecipeScores }[]): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}`;
  const lines = [
    '| stage | reasoning acc | think format | understanding acc | t2i overall | t2i single object |',
    '|---|---|---|---|---|---|',
  ];
  for (const { stage, scores } of rows) {
    const single = scores.t2i.byCategory.single_object?.accuracy ?? 0;
    lines.push(`| ${stage} | ${pct(scores.reasoning.accuracy)} | ${pct(scores.reasoning.thinkFormatRate)} | ${pct(scores.understanding.accuracy)} | ${pct(scores.t2i.accuracy)} | ${pct(single)} |`);
  }
  return lines.join('\n');
}
