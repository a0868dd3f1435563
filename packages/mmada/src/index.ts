/**
 * @mmada/mmada — the MMaDA / LLaDA mask predictor, checkpoints, text tokenizer, universal prompting,
 * model zoo and task APIs. This file is the public surface and nothing else.
 */
export { ConfigError } from './config/config-error.js';
export type { ModelConfig } from './config/model-config.js';
export { headDim, parameterCount } from './config/model-config.js';
export { CONFIG_FILE_NAME, parseModelConfig, parseModelConfigText, readModelConfig } from './config/parse-config.js';
export { configToJson, configToJsonText } from './config/config-json.js';
export { MODEL_ZOO, MODEL_NAMES, zooConfig } from './config/model-zoo.js';
export type { ModelName } from './config/model-zoo.js';

export type { SpecialTokens } from './tokenizer/special-tokens.js';
export { SPECIAL_TOKEN_STRINGS, MMADA_SPECIAL_TOKENS, MMADA_CODEBOOK_SIZE, TINY_SPECIAL_TOKENS, TINY_CODEBOOK_SIZE } from './tokenizer/special-tokens.js';

export type { Weight, BlockParameters, TransformerParameters, MaskPredictorParameters, BlockTensor } from './model/parameters.js';
export { BLOCK_TENSORS, parameterShapes, flattenParameters, buildParameters } from './model/parameters.js';
export { initParameters } from './model/init-parameters.js';
export type { InitOptions } from './model/init-parameters.js';
export { maskPredictorForward } from './model/forward.js';
export type { ForwardOptions } from './model/forward.js';
export type { MaskPredictorModel } from './model/mask-predictor-model.js';
export { createModel, disposeModel, modelDevice } from './model/mask-predictor-model.js';

export { CheckpointError } from './checkpoint/checkpoint-error.js';
export type { CheckpointErrorKind } from './checkpoint/checkpoint-error.js';
export { deviceLimits } from './checkpoint/device-limits.js';
export type { DeviceLimits } from './checkpoint/device-limits.js';
export { estimateMemory, formatBytes } from './checkpoint/memory-estimate.js';
export type { MemoryEstimate } from './checkpoint/memory-estimate.js';
export { loadModel } from './checkpoint/load-model.js';
export type { LoadModelOptions, LoadedModel, WeightDType } from './checkpoint/load-model.js';
export { saveModel, DEFAULT_MAX_SHARD_BYTES } from './checkpoint/save-model.js';
export type { SaveModelOptions } from './checkpoint/save-model.js';

export type { TextTokenizer, DecodeOptions } from './tokenizer/text-tokenizer.js';
export { TokenizerError, TOKENIZER_FILE_NAME, TOKENIZER_CONFIG_FILE_NAME, loadTextTokenizer, textTokenizerFromJson } from './tokenizer/text-tokenizer.js';
export type { ChatMessage, ChatTemplateOptions } from './tokenizer/chat-template.js';
export { THINKING_PREFIX, formatChat } from './tokenizer/chat-template.js';

export type { PromptSequence, PromptedSequence } from './prompting/prompt-sequence.js';
export { withBos, endAfterLast } from './prompting/prompt-sequence.js';
export type { T2iOptions } from './prompting/t2i-prompt.js';
export { t2iTextPart, t2iSequence, t2iPrompt, t2iUnconditionalPrompt } from './prompting/t2i-prompt.js';
export type { MmuOptions } from './prompting/mmu-prompt.js';
export { mmuSequence } from './prompting/mmu-prompt.js';
export type { LmOptions } from './prompting/lm-prompt.js';
export { lmSequence, lmChatSequence } from './prompting/lm-prompt.js';
export type { PaddedBatch } from './prompting/left-pad.js';
export { leftPadBatch } from './prompting/left-pad.js';

export type { MaskPredictorOptions } from './model/as-mask-predictor.js';
export { asMaskPredictor } from './model/as-mask-predictor.js';
export type { TextSamplingOptions, GeneratedIds } from './tasks/generate-ids.js';
export { generateIds } from './tasks/generate-ids.js';
export type { GeneratedText, ChatOptions } from './tasks/generate-text.js';
export { generateText, chat, untilEndOfText, decodeAnswers } from './tasks/generate-text.js';
export type { InpaintTextOptions, TextPiece } from './tasks/inpaint-text.js';
export { inpaintText, inpaintTextIds } from './tasks/inpaint-text.js';
export { understandImage, codesToTokenIds } from './tasks/understand-image.js';
export type { ImageSamplingOptions, GeneratedImage } from './tasks/generate-image.js';
export { generateImage, inpaintImage, sampleImageCodes } from './tasks/generate-image.js';
