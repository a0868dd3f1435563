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
