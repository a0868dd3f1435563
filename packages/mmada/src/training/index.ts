/** Training: SFT with prompt preservation over a mask predictor, batches, loss log and curve. */
export type { SftExample, SftBatch, SftBatchOptions, SftBatchSource, SftBatchSourceOptions } from './sft-batch.js';
export { sftBatch, sftBatchSource } from './sft-batch.js';
export type { TrainSftOptions, TrainStepInfo, TrainSftResult } from './train-sft.js';
export { trainSft, sftBatchLoss, TrainingError, TRAINING_CHECKPOINT_DIR, LOSS_LOG_FILE, LOSS_CURVE_FILE, LOSS_CURVE_PNG_FILE } from './train-sft.js';
export type { LossLogEntry } from './loss-log.js';
export { readLossLog } from './loss-log.js';
export { LLADA_NO_DECAY } from './llada-no-decay.js';
export { writeLossCurve } from './write-loss-curve.js';
/** Reading a run's checkpoint root (step-N directories behind latest.json, or the older single directory). */
export { hasTrainingCheckpoint, readTrainingCheckpointInfo } from '@mmada/autograd';
