/**
 * Saving a model in the upstream layout: `config.json` plus `model.safetensors` (or shards and
 * `model.safetensors.index.json` past `maxShardBytes`), readable by `loadModel` and by upstream
 * `from_pretrained`. A model read by loadModel is written back in the dtypes it was stored in, so
 * load → save → load is exact. Writing is atomic (see @mmada/tensor's writeCheckpoint); config.json is
 * written last.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { saveCheckpoint, writeFileAtomic, type SafetensorsDType, type WrittenCheckpoint } from '@mmada/tensor';
import { configToJsonText } from '../config/config-json.js';
import { CONFIG_FILE_NAME } from '../config/parse-config.js';
import type { MaskPredictorModel } from '../model/mask-predictor-model.js';
import { flattenParameters } from '../model/parameters.js';
import { CheckpointError } from './checkpoint-error.js';
import type { WeightDType } from './load-model.js';

export interface SaveModelOptions {
  /**
   * Weight dtype in the file: one for all tensors, or undefined to keep each tensor's stored dtype (from
   * loadModel) and otherwise write f32 as F32 and f16 as F16. 'BF16' halves the file as upstream stores it.
   */
  readonly dtype?: WeightDType;
  /** Start a new shard past this many bytes (default 5 GB, as Hugging Face's save_pretrained). */
  readonly maxShardBytes?: number;
}

export const DEFAULT_MAX_SHARD_BYTES = 5e9;


export function saveModel(model: MaskPredictorModel & { readonly storedDtypes?: Readonly<Record<string, WeightDType>> }, dir: string, options: SaveModelOptions = {}): TE.TaskEither<CheckpointError, WrittenCheckpoint> {
  return async () => {
    const tensors = flattenParameters(model.params);
    const dtypes = (name: string): SafetensorsDType | undefined => options.dtype ?? model.storedDtypes?.[name];
    const written = await saveCheckpoint(dir, tensors, { dtypes, maxShardBytes: options.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES, metadata: { format: 'pt' } })();
    if (E.isLeft(written)) return E.left(new CheckpointError('unwritable', written.left.file, written.left.detail, written.left.tensor, { cause: written.left }));
    try {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(join(dir, CONFIG_FILE_NAME), configToJsonText(model.config));
    } catch (e) {
      return E.left(new CheckpointError('unwritable', join(dir, CONFIG_FILE_NAME), `cannot write (${(e as Error).message})`, undefined, { cause: e }));
    }
    return E.right(written.right);
  };
}
