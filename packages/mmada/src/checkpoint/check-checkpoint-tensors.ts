/**
 * Whether a checkpoint's tensors are the ones a config needs, judged from the headers alone: every
 * expected name present, nothing unexpected, each shape the config's, each dtype a weight dtype. The
 * loader runs this before reading any weights, and `mmada info` runs the same check so that it never calls
 * a checkpoint fine that loading would refuse.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Checkpoint, SafetensorsDType } from '@mmada/tensor';
import type { ModelConfig } from '../config/model-config.js';
import { parameterShapes } from '../model/parameters.js';
import { CheckpointError } from './checkpoint-error.js';

/** Weight dtypes a checkpoint may store. */
export const WEIGHT_DTYPES: readonly SafetensorsDType[] = ['F32', 'BF16', 'F16'];

export interface CheckCheckpointOptions {
  /** Tolerate tensors this architecture does not use (default false). */
  readonly ignoreUnexpected?: boolean;
}

/** Left: the first problem, as a CheckpointError naming the file and the tensor. */
export function checkCheckpointTensors(ckpt: Checkpoint, config: ModelConfig, options: CheckCheckpointOptions = {}): E.Either<CheckpointError, void> {
  const expected = parameterShapes(config);
  const expectedNames = new Set(expected.map(([n]) => n));
  for (const [name] of expected) {
    if (ckpt.info(name) === undefined) {
      return E.left(new CheckpointError('missing-tensor', ckpt.path, `missing: the config (${config.nLayers} layers) needs it and the checkpoint does not have it`, name));
    }
  }
  if (!options.ignoreUnexpected) {
    const extra = ckpt.names.find((n) => !expectedNames.has(n));
    if (extra !== undefined) {
      const file = ckpt.info(extra)!.file;
      return E.left(new CheckpointError('unexpected-tensor', file, 'unexpected: this architecture has no such tensor (pass ignoreUnexpected to skip it)', extra));
    }
  }
  for (const [name, shape] of expected) {
    const info = ckpt.info(name)!;
    if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
      return E.left(new CheckpointError('shape-mismatch', info.file, `shape [${info.shape.join(', ')}] does not match the config, which needs [${shape.join(', ')}]`, name));
    }
    if (!WEIGHT_DTYPES.includes(info.dtype)) {
      return E.left(new CheckpointError('dtype', info.file, `stored as ${info.dtype}; weights must be F32, BF16 or F16`, name));
    }
  }
  return E.right(undefined);
}
