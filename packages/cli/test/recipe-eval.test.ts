/**
 * The recipe's image generation follows the model's image grid: a mask predictor made for a ×8 image tokenizer
 * (16 tokens per 32×32 image) draws 16 codes per image, which that tokenizer decodes to 32×32 pictures; the
 * sampling's image guidance reaches the sampler, and the guidance choice draws every candidate on the same prompts.
 */
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel, disposeImageTokenizer, disposeModel, initImageTokenizer, textTokenizerFromJson, type ImageTokenizer, type MaskPredictorModel, type TextTokenizer } from '@mmada/mmada';
import { deviceFromEnv, ensureBackend, key } from '@mmada/tensor';
import { recipeImageTokens, recipeModelConfig } from '../src/recipe/recipe-config.js';
import { drawImages, RECIPE_SAMPLING, writePlans } from '../src/recipe/recipe-eval.js';
import { chooseGuidance, pickGuidance } from '../src/recipe/guidance-choice.js';
import { SHAPESWORLD_VQ_CONFIG } from '../src/recipe/image-tokenizer-stage.js';
import { shapesWorldTextTokenizer } from '../src/recipe/text-tokenizer-stage.js';

const device = deviceFromEnv() ?? 'cpu';
let tok: TextTokenizer;
let vq: ImageTokenizer;
let model: MaskPredictorModel;

beforeAll(async () => {
  await ensureBackend(device);
  const t = shapesWorldTextTokenizer(50);
  const r = textTokenizerFromJson(t.tokenizerJson, t.tokenizerConfig);
  if (E.isLeft(r)) throw r.left;
  tok = r.right;
  vq = initImageTokenizer(SHAPESWORLD_VQ_CONFIG, key(1), { device });
  const config = recipeModelConfig(tok, 2 ** SHAPESWORLD_VQ_CONFIG.bits, { dModel: 32, nHeads: 2, nLayers: 1, mlpHiddenSize: 64 }, recipeImageTokens(SHAPESWORLD_VQ_CONFIG));
  model = createModel(config, key(2), { device });
});
afterAll(() => {
  disposeModel(model);
  disposeImageTokenizer(vq);
});

describe('recipe image generation', () => {
  it('draws one code per cell of the tokenizer grid, in the codebook, and decodes them to 32×32 images', async () => {
    const { images, codes } = await drawImages(model, tok, vq, ['a red square', 'two blue circles']);
    expect(codes.map((c) => c.length)).toEqual([16, 16]);
    for (const c of codes.flat()) expect(c >= 0 && c < 1024).toBe(true);
    expect(images.map((im) => [im.width, im.height])).toEqual([[32, 32], [32, 32]]);
  });
});

describe('image guidance in the recipe sampler', () => {
  it('changes the drawn codes when w > 0, and chooseGuidance judges each candidate on the same prompts', async () => {
    const prompts = ['a red square', 'two blue circles', 'a green triangle above a yellow circle'];
    const plain = await drawImages(model, tok, vq, prompts, { sampling: RECIPE_SAMPLING });
    const guided = await drawImages(model, tok, vq, prompts, { sampling: { ...RECIPE_SAMPLING, guidanceScale: 3 } });
    expect(guided.codes).not.toEqual(plain.codes);
    // plans written once and passed in draw what planFirst draws
    const planned = await drawImages(model, tok, vq, prompts, { planFirst: true, sampling: RECIPE_SAMPLING });
    const plans = await writePlans(model, tok, prompts);
    expect(plans).toEqual(planned.plans);
    expect((await drawImages(model, tok, vq, prompts, { plans, sampling: RECIPE_SAMPLING })).codes).toEqual(planned.codes);
    await expect(drawImages(model, tok, vq, prompts, { plans: plans.slice(1) })).rejects.toThrow(/2 plans for 3 prompts/);
    const trials: number[] = [];
    const choice = await chooseGuidance(model, tok, vq, { candidates: [0, 3], count: 3, planFirst: true, sampling: RECIPE_SAMPLING, pools: { reasoning: 10, images: 10 }, onTrial: (t) => trials.push(t.guidanceScale) });
    expect(trials).toEqual([0, 3]);
    expect(choice.trials.map((t) => t.n)).toEqual([3, 3]);
    expect(choice.chosen).toBe(pickGuidance(choice.trials));
    await expect(chooseGuidance(model, tok, vq, { candidates: [], sampling: RECIPE_SAMPLING })).rejects.toThrow(/no candidate/);
  });
});
