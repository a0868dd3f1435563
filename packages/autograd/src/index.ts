/**
 * @mmada/autograd — functional reverse-mode autodiff over pytrees of @mmada/tensor tensors, optax-style
 * optimizers, learning-rate schedules, initialisers and training checkpoints.
 * This file is the public surface and nothing else: the browser-safe surface (browser.ts) plus checkpoints on disk.
 */
export * from './browser.js';

export { saveTrainingCheckpoint, loadTrainingCheckpoint, readTrainingCheckpointInfo, hasTrainingCheckpoint, TENSORS_FILE, METADATA_FILE } from './training-checkpoint.js';
export type { TrainingState, SaveCheckpointOptions } from './training-checkpoint.js';
export { findCheckpoint, POINTER_FILE, DEFAULT_KEEP, type FoundCheckpoint } from './checkpoint-layout.js';
export { parseTrainerState, validateTrainerState, checkFiniteTensors, TrainerStateError, TRAINER_STATE_FORMAT, MAX_TRAINER_STEP } from './trainer-state.js';
export type { TrainerStateFile, TreeRecord, LeafRecord } from './trainer-state.js';
