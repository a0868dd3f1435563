/**
 * @mmada/mmada — the MMaDA / LLaDA mask predictor, checkpoints, text tokenizer, universal prompting,
 * model zoo and task APIs. This file is the public surface and nothing else: the browser-safe surface
 * (browser.ts) plus reading from and writing to paths, and training.
 */
export * from './browser.js';

export { readModelConfig } from './config/read-config.js';
export { loadModel } from './checkpoint/load-model.js';
export {
  checkForwardWork, checkItemCount, checkPromptLength, memoryBudget, trainingActivationBytes, MAX_TRAINING_STEPS, WorkBoundError, type MemoryBudget,
} from './checkpoint/work-bounds.js';
export { saveModel, DEFAULT_MAX_SHARD_BYTES } from './checkpoint/save-model.js';
export type { SaveModelOptions } from './checkpoint/save-model.js';
export { loadTextTokenizer } from './tokenizer/load-text-tokenizer.js';
export { readVqConfig } from './vq/read-vq-config.js';
export { loadImageTokenizer } from './vq/load-image-tokenizer.js';
export type { SaveImageTokenizerOptions } from './vq/save-image-tokenizer.js';
export { saveImageTokenizer } from './vq/save-image-tokenizer.js';
export type {
  ImageBatchSource, TrainImageTokenizerOptions, TrainImageTokenizerResult, ImageTokenizerStepInfo, ImageTokenizerLossEntry,
} from './vq/train-image-tokenizer.js';
export {
  trainImageTokenizer, IMAGE_TOKENIZER_CHECKPOINT_DIR, IMAGE_TOKENIZER_LOSS_LOG_FILE, IMAGE_TOKENIZER_LOSS_CURVE_FILE, IMAGE_TOKENIZER_LOSS_UNIT, IMAGE_TOKENIZER_NO_DECAY,
} from './vq/train-image-tokenizer.js';
export * from './training/index.js';
