/**
 * Loading an image tokenizer from disk (Node only) in the released `showlab/magvitv2` layout: a directory with
 * `pytorch_model.safetensors` (F32; spec/vq.md §5 tensor names) and an optional `config.json` (absent or
 * architecture-free means the released architecture), or the .safetensors file itself.
 * The checks are imageTokenizerFromSafetensors's (image-tokenizer-from-safetensors.ts).
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { openSafetensors } from '@mmada/tensor';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import { readVqConfig } from './read-vq-config.js';
import {
  VQ_CONFIG_FILE_NAME,
  VQ_WEIGHTS_FILE_NAME,
  imageTokenizerFromSafetensors,
  type LoadedImageTokenizer,
  type LoadImageTokenizerOptions,
} from './image-tokenizer-from-safetensors.js';

export {
  VQ_BUFFER_NAMES,
  VQ_CONFIG_FILE_NAME,
  VQ_WEIGHTS_FILE_NAME,
  type LoadedImageTokenizer,
  type LoadImageTokenizerOptions,
} from './image-tokenizer-from-safetensors.js';

async function resolvePaths(path: string): Promise<E.Either<CheckpointError, { weights: string; config: string }>> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) return E.right({ weights: join(path, VQ_WEIGHTS_FILE_NAME), config: join(path, VQ_CONFIG_FILE_NAME) });
    return E.right({ weights: path, config: join(dirname(path), VQ_CONFIG_FILE_NAME) });
  } catch (e) {
    return E.left(new CheckpointError('unreadable', path, `cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, undefined, { cause: e }));
  }
}

/**
 * Loads an image tokenizer from a directory (`pytorch_model.safetensors` + optional `config.json`) or a
 * .safetensors file. Left: a CheckpointError ('config', 'unreadable', 'missing-tensor', 'unexpected-tensor',
 * 'shape-mismatch' or 'dtype') naming the file and tensor; nothing stays allocated.
 */
export function loadImageTokenizer(path: string, options: LoadImageTokenizerOptions = {}): TE.TaskEither<CheckpointError, LoadedImageTokenizer> {
  return async () => {
    const paths = await resolvePaths(path);
    if (E.isLeft(paths)) return paths;
    let config = options.config;
    if (config === undefined) {
      const read = await readVqConfig(paths.right.config);
      if (E.isLeft(read)) return E.left(new CheckpointError('config', paths.right.config, read.left.message.slice(paths.right.config.length + 2), undefined, { cause: read.left }));
      config = read.right;
    }
    const opened = await openSafetensors(paths.right.weights)();
    if (E.isLeft(opened)) return E.left(new CheckpointError('unreadable', opened.left.file, opened.left.detail, opened.left.tensor, { cause: opened.left }));
    const file = opened.right;
    try {
      return await imageTokenizerFromSafetensors(file, config, path, options);
    } finally {
      await file.close().catch(() => {});
    }
  };
}
