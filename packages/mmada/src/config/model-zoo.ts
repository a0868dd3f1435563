/**
 * Named configs: the published 8B checkpoints (their architecture; weights come from the hub directories of
 * spec/model.md §8) and small configs for tests, benchmarks and training from scratch on one machine.
 */
import type { ModelConfig } from './model-config.js';
import { MMADA_CODEBOOK_SIZE, MMADA_SPECIAL_TOKENS, TINY_CODEBOOK_SIZE, TINY_SPECIAL_TOKENS } from '../tokenizer/special-tokens.js';

const LLADA_8B: ModelConfig = {
  modelType: 'llada',
  dModel: 4096,
  nHeads: 32,
  nKvHeads: 32,
  nLayers: 32,
  mlpHiddenSize: 12288,
  vocabSize: 126464,
  embeddingSize: 126464,
  maxSequenceLength: 4096,
  rmsNormEps: 1e-5,
  ropeTheta: 500000,
  // the tokenizer's ids (tokenizer/special-tokens.ts is the one place they are written down)
  maskTokenId: MMADA_SPECIAL_TOKENS.mask,
  eosTokenId: MMADA_SPECIAL_TOKENS.eos,
  padTokenId: MMADA_SPECIAL_TOKENS.pad,
  bosTokenId: MMADA_SPECIAL_TOKENS.bos,
  llmVocabSize: undefined,
  codebookSize: undefined,
  numVqTokens: undefined,
  source: undefined,
};

/** MMaDA-8B: LLaDA-8B-Instruct with the vocabulary widened by the 8192 image codes (and padding) to 134656 rows. */
const MMADA_8B: ModelConfig = {
  ...LLADA_8B,
  modelType: 'mmada',
  vocabSize: 134656,
  embeddingSize: 134656,
  llmVocabSize: 126464,
  codebookSize: MMADA_CODEBOOK_SIZE,
  numVqTokens: 256,
};

/** The tiny tokenizer's vocabulary: its special tokens (MASK 293, EOS = PAD 281, BOS 280) and 16 image codes from 297. */
const TINY_VOCAB = {
  vocabSize: 313,
  embeddingSize: 320,
  maskTokenId: TINY_SPECIAL_TOKENS.mask,
  eosTokenId: TINY_SPECIAL_TOKENS.eos,
  padTokenId: TINY_SPECIAL_TOKENS.pad,
  bosTokenId: TINY_SPECIAL_TOKENS.bos,
  llmVocabSize: TINY_SPECIAL_TOKENS.imageTokenOffset,
  codebookSize: TINY_CODEBOOK_SIZE,
  numVqTokens: 16,
};

export const MODEL_ZOO = {
  /** GSAI-ML/LLaDA-8B-Instruct (8,015,581,184 parameters). */
  'llada-8b-instruct': LLADA_8B,
  /** GSAI-ML/LLaDA-8B-Base: the same architecture. */
  'llada-8b-base': LLADA_8B,
  /** Gen-Verse/MMaDA-8B-Base (8,082,690,048 parameters). */
  'mmada-8b-base': MMADA_8B,
  /** Gen-Verse/MMaDA-8B-MixCoT: the same architecture. */
  'mmada-8b-mixcot': MMADA_8B,
  /** ≈ 41 K parameters: d 32, 2 blocks, 4 heads, the tiny tokenizer's vocabulary. For tests. */
  'mmada-tiny': { ...LLADA_8B, ...TINY_VOCAB, modelType: 'mmada', dModel: 32, nHeads: 4, nKvHeads: 4, nLayers: 2, mlpHiddenSize: 64, maxSequenceLength: 512, ropeTheta: 10000 },
  /** ≈ 0.87 M parameters: d 128, 4 blocks, 4 heads (head 32), MLP 344, the tiny tokenizer's vocabulary. For training here. */
  'mmada-small': { ...LLADA_8B, ...TINY_VOCAB, modelType: 'mmada', dModel: 128, nHeads: 4, nKvHeads: 4, nLayers: 4, mlpHiddenSize: 344, maxSequenceLength: 1024, ropeTheta: 10000 },
  /**
   * ≈ 101 M parameters: d 640, 12 blocks, 10 heads (head 64), MLP 1728, a 32768-token vocabulary whose last
   * ids are MASK 32767, EOS = PAD 32766, BOS 32765. For benchmarks and training from scratch with one's own tokenizer.
   */
  'mmada-100m': {
    ...LLADA_8B,
    modelType: 'mmada',
    dModel: 640,
    nHeads: 10,
    nKvHeads: 10,
    nLayers: 12,
    mlpHiddenSize: 1728,
    vocabSize: 32768,
    embeddingSize: 32768,
    maxSequenceLength: 2048,
    ropeTheta: 10000,
    maskTokenId: 32767,
    eosTokenId: 32766,
    padTokenId: 32766,
    bosTokenId: 32765,
  },
} as const satisfies Record<string, ModelConfig>;

export type ModelName = keyof typeof MODEL_ZOO;

export const MODEL_NAMES = Object.keys(MODEL_ZOO) as readonly ModelName[];

/** A named config, or undefined for an unknown name. */
export function zooConfig(name: string): ModelConfig | undefined {
  return Object.prototype.hasOwnProperty.call(MODEL_ZOO, name) ? MODEL_ZOO[name as ModelName] : undefined;
}
