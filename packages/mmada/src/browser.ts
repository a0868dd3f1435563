/**
 * @mmada/mmada in a browser: the model, tokenizers, prompting, tasks and image tokenizer, loaded from bytes or
 * URLs (fetchModel, loadModelFromBytes, ...). Bundlers pick this file through the `browser` condition of
 * package.json's `exports`; `index.ts` is this surface plus loading from and saving to paths, and training.
 */
export { ConfigError } from './config/config-error.js';
export { checkConfigBounds, CONFIG_BOUNDS, MAX_PARAMETERS, MAX_TENSOR_ELEMENTS } from './config/config-bounds.js';
export type { ModelConfig } from './config/model-config.js';
export { headDim, parameterCount } from './config/model-config.js';
export { CONFIG_FILE_NAME, parseModelConfig, parseModelConfigText } from './config/parse-config.js';
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
export { alibiBias, alibiSlopes } from './model/alibi-bias.js';
export type { ForwardOptions } from './model/forward.js';
export type { MaskPredictorModel } from './model/mask-predictor-model.js';
export { createModel, disposeModel, modelDevice } from './model/mask-predictor-model.js';

export { CheckpointError } from './checkpoint/checkpoint-error.js';
export type { CheckpointErrorKind } from './checkpoint/checkpoint-error.js';
export { deviceLimits } from './checkpoint/device-limits.js';
export type { DeviceLimits } from './checkpoint/device-limits.js';
export { estimateMemory, forwardActivationBytes, formatBytes } from './checkpoint/memory-estimate.js';
export { loadModelFromBytes, loadModelFromCheckpoint } from './checkpoint/load-model-from-checkpoint.js';
export { checkCheckpointTensors, WEIGHT_DTYPES, type CheckCheckpointOptions } from './checkpoint/check-checkpoint-tensors.js';
export type { LoadModelOptions, LoadedModel, WeightDType, ModelBytes } from './checkpoint/load-model-from-checkpoint.js';
export { fetchModel, fetchTextTokenizer, fetchImageTokenizer, fetchBytes, fetchText } from './checkpoint/fetch-model.js';
export type { FetchOptions } from './checkpoint/fetch-model.js';
export type { BytesPerWeight, MemoryEstimate } from './checkpoint/memory-estimate.js';

export type { TextTokenizer, DecodeOptions } from './tokenizer/text-tokenizer.js';
export { TokenizerError, TOKENIZER_FILE_NAME, TOKENIZER_CONFIG_FILE_NAME, textTokenizerFromJson, tokenizerJsonFromText } from './tokenizer/text-tokenizer.js';
export { validateTokenizerJson, TOKENIZER_MODEL_TYPES } from './tokenizer/validate-tokenizer-json.js';
export type { ChatMessage, ChatTemplateOptions } from './tokenizer/chat-template.js';
export { THINKING_PREFIX, formatChat } from './tokenizer/chat-template.js';
export type { WordBpeOptions, WordBpeTokenizer } from './tokenizer/word-bpe.js';
export { trainWordBpe, byteLevelAlphabet } from './tokenizer/word-bpe.js';

export type { PromptSequence, PromptedSequence } from './prompting/prompt-sequence.js';
export { withBos, endAfterLast } from './prompting/prompt-sequence.js';
export type { T2iOptions } from './prompting/t2i-prompt.js';
export { t2iTextPart, t2iSequence, t2iPrompt, t2iUnconditionalPrompt } from './prompting/t2i-prompt.js';
export { t2iPlanRequest, t2iConditioningText } from './prompting/t2i-plan.js';
export type { MmuOptions } from './prompting/mmu-prompt.js';
export { mmuSequence } from './prompting/mmu-prompt.js';
export type { LmOptions } from './prompting/lm-prompt.js';
export { lmSequence, lmChatSequence } from './prompting/lm-prompt.js';
export type { PaddedBatch } from './prompting/left-pad.js';
export { leftPadBatch } from './prompting/left-pad.js';

export type { MaskPredictorOptions } from './model/as-mask-predictor.js';
export { asMaskPredictor } from './model/as-mask-predictor.js';
export type { StepListener } from './model/with-step-listener.js';
export { withStepListener } from './model/with-step-listener.js';
export type { KeyValueCacheOptions } from './model/key-value-cache.js';
export { openKeyValueCache } from './model/key-value-cache.js';
export type { TextSamplingOptions, GeneratedIds } from './tasks/generate-ids.js';
export { generateIds } from './tasks/generate-ids.js';
export type { GeneratedText, ChatOptions } from './tasks/generate-text.js';
export { generateText, chat, untilEndOfText, decodeAnswers } from './tasks/generate-text.js';
export type { InpaintTextOptions, TextPiece } from './tasks/inpaint-text.js';
export { inpaintText, inpaintTextIds } from './tasks/inpaint-text.js';
export { understandImage, codesToTokenIds } from './tasks/understand-image.js';
export type { ImageSamplingOptions, GeneratedImage } from './tasks/generate-image.js';
export { generateImage, inpaintImage, sampleImageCodes } from './tasks/generate-image.js';

// Image tokenizer (MAGVIT-v2 with lookup-free quantisation)
export type { VqConfig } from './vq/vq-config.js';
export { MAGVITV2_CONFIG, MAX_LFQ_BITS, vqConfig, checkVqConfig, vqConfigProblems, downsampleFactor, codebookSize } from './vq/vq-config.js';
export { parseVqConfigText, vqConfigToJson } from './vq/vq-config-json.js';
export type {
  VqParameters, EncoderParameters, DecoderParameters, ResnetBlockParameters, AttnBlockParameters, MidParameters, ConvParameters,
  NormParameters, DownLevelParameters, UpLevelParameters,
} from './vq/vq-parameters.js';
export { buildVqParameters, vqParameterShapes, vqParameterCount, flattenVqParameters } from './vq/vq-parameters.js';
export { encoderForward } from './vq/vq-encoder.js';
export { decoderForward } from './vq/vq-decoder.js';
export { lfqIds, lfqCodes, lfqQuantize, lfqCodebook, indexToBits, bitsToIndex } from './vq/lfq.js';
export type { ImageTokenizer, InitImageTokenizerOptions } from './vq/image-tokenizer.js';
export {
  encodeImages, decodeImageTokens, encodeLatents, tokenGrid, initImageTokenizer, disposeImageTokenizer, imageTokenizerDevice,
} from './vq/image-tokenizer.js';
export type { LoadImageTokenizerOptions, LoadedImageTokenizer, ImageTokenizerBytes } from './vq/image-tokenizer-from-safetensors.js';
export { loadImageTokenizerFromBytes, imageTokenizerFromSafetensors, VQ_WEIGHTS_FILE_NAME, VQ_CONFIG_FILE_NAME, VQ_BUFFER_NAMES } from './vq/image-tokenizer-from-safetensors.js';
export { resizeBicubic } from './vq/bicubic-resize.js';
export type { ImagesToTensorOptions, TensorToImagesOptions } from './vq/image-pixels.js';
export { resizeAndCenterCrop, squashImage, cropImage, imagesToTensor, tensorToImages, pixelByte } from './vq/image-pixels.js';
export type { TokenizerLossOptions, TokenizerLossParts } from './vq/tokenizer-loss.js';
export { tokenizerLoss, lfqEntropies } from './vq/tokenizer-loss.js';
export type { TokenizerStepResult } from './vq/tokenizer-train-step.js';
export { tokenizerTrainStep } from './vq/tokenizer-train-step.js';

// Training (SFT with prompt preservation, batches, loss log and curve)
export type { PixelInputOptions, PixelOutputOptions, GeneratedPixels } from './vq/image-tasks.js';
export { imageCodes, codesToImages, understandImagePixels, generateImagePixels, inpaintImagePixels, tokenMaskFromPixels } from './vq/image-tasks.js';
