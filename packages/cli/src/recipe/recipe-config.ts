/**
 * The mmada-tiny architecture: an MMaDA mask predictor sized for the ShapesWorld vocabulary (612 text tokens
 * + the image codebook) and for training on one machine. Ids come from the tokenizers the recipe learns.
 */
import { downsampleFactor, type ModelConfig, type TextTokenizer, type VqConfig } from '@mmada/mmada';

/** ShapesWorld's canvas: every recipe image is 32 × 32. */
export const RECIPE_RESOLUTION = 32;

/** Image tokens per recipe image: the tokenizer's latent grid over a 32 × 32 canvas (4 at ×16, 16 at ×8). */
export function recipeImageTokens(vq: VqConfig): number {
  const side = RECIPE_RESOLUTION / downsampleFactor(vq);
  if (!Number.isInteger(side) || side < 1) throw new RangeError(`an image tokenizer that downsamples by ${downsampleFactor(vq)} cannot encode ${RECIPE_RESOLUTION}×${RECIPE_RESOLUTION} images`);
  return side * side;
}

/**
 * Train items per task that the stages draw from: the first `reasoning` items of ShapesWorld's train stream
 * for the text rows, the first `images` for understanding and for t2i. Items after them are the recipe's
 * validation split (validation-split.ts).
 */
export const RECIPE_POOL_SIZES = { reasoning: 20000, images: 8000 } as const;

export interface RecipeArchitecture {
  readonly dModel: number;
  readonly nHeads: number;
  readonly nLayers: number;
  readonly mlpHiddenSize: number;
}

/** The shipped size: d 128, 4 blocks, 4 heads of 32, SwiGLU 384. */
export const MMADA_TINY_ARCHITECTURE: RecipeArchitecture = { dModel: 128, nHeads: 4, nLayers: 4, mlpHiddenSize: 384 };

/**
 * The model config for a tokenizer and an image codebook (codes live after the text vocabulary) with `numVqTokens`
 * tokens per image (`recipeImageTokens`).
 */
export function recipeModelConfig(tok: TextTokenizer, codebookSize: number, arch: RecipeArchitecture = MMADA_TINY_ARCHITECTURE, numVqTokens = 4): ModelConfig {
  const s = tok.specialTokens;
  const vocab = tok.size + codebookSize;
  return {
    modelType: 'mmada',
    dModel: arch.dModel,
    nHeads: arch.nHeads,
    nKvHeads: arch.nHeads,
    nLayers: arch.nLayers,
    mlpHiddenSize: arch.mlpHiddenSize,
    vocabSize: vocab,
    // Rows padded to a multiple of 64, as upstream pads its embedding matrix.
    embeddingSize: Math.ceil(vocab / 64) * 64,
    maxSequenceLength: 256,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    maskTokenId: s.mask,
    eosTokenId: s.eos,
    padTokenId: s.pad,
    bosTokenId: s.bos,
    llmVocabSize: tok.size,
    codebookSize,
    numVqTokens,
    source: undefined,
  };
}
