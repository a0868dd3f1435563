/**
 * Loading a checkpoint directory in the upstream layout (spec/model.md §2): `config.json` plus
 * `model.safetensors`, or shards `model-0000k-of-0000n.safetensors` tied by `model.safetensors.index.json`.
 * The config is checked first, then everything loadModelFromCheckpoint checks; tensors are read from disk one
 * at a time (only one tensor's bytes are in host memory at once). Node only: browsers use loadModelFromBytes.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { openCheckpoint } from '@mmada/tensor';
import { readModelConfig } from '../config/read-config.js';
import { CheckpointError } from './checkpoint-error.js';
import { loadModelFromCheckpoint, type LoadedModel, type LoadModelOptions } from './load-model-from-checkpoint.js';

export type { LoadedModel, LoadModelOptions, WeightDType } from './load-model-from-checkpoint.js';

/**
 * Loads a model from a checkpoint directory. Left: a CheckpointError (kind 'config', 'unreadable',
 * 'missing-tensor', 'unexpected-tensor', 'shape-mismatch', 'dtype' or 'too-large'); nothing stays allocated.
 */
export function loadModel(dir: string, options: LoadModelOptions = {}): TE.TaskEither<CheckpointError, LoadedModel> {
  return async () => {
    const config = await readModelConfig(dir)();
    if (E.isLeft(config)) {
      return E.left(new CheckpointError('config', config.left.file, config.left.message.slice(config.left.file.length + 2), undefined, { cause: config.left }));
    }
    const opened = await openCheckpoint(dir)();
    if (E.isLeft(opened)) return E.left(new CheckpointError('unreadable', opened.left.file, opened.left.detail, opened.left.tensor, { cause: opened.left }));
    const ckpt = opened.right;
    try {
      return await loadModelFromCheckpoint(config.right, ckpt, dir, options);
    } finally {
      await ckpt.close().catch(() => {});
    }
  };
}
