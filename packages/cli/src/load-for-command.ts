/** Loading a model (with a progress line) and, when the directory has one, its tokenizer. */
import * as E from 'fp-ts/lib/Either.js';
import { loadModel, loadTextTokenizer, type LoadedModel, type TextTokenizer } from '@mmada/mmada';
import type { DeviceName } from '@mmada/tensor';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CliIO } from './cli-io.js';
import { progressPrinter, type ProgressPrinter } from '@mmada/eval';
import { progressSink } from './cli-io.js';

/**
 * `weights`: 'stored' (default) keeps F16 / BF16 weights packed, for inference; 'f32' widens them, for the
 * commands that train (an optimizer step on half-precision weights would round every update away).
 */
export async function loadModelWithProgress(dir: string, device: DeviceName, io: CliIO, weights: 'stored' | 'f32' = 'stored'): Promise<E.Either<Error, LoadedModel>> {
  let bar: ProgressPrinter | undefined;
  const r = await loadModel(dir, {
    device,
    weights,
    onProgress: ({ loaded, total }) => {
      bar ??= progressPrinter(progressSink(io), 'loading', { total, unit: 'tensors' });
      bar.update(loaded);
    },
  })();
  bar?.finish();
  return r;
}

/** The tokenizer of a model directory, undefined when it has no tokenizer.json. */
export async function loadTokenizerIfPresent(dir: string): Promise<E.Either<Error, TextTokenizer | undefined>> {
  if (!existsSync(join(dir, 'tokenizer.json'))) return E.right(undefined);
  return loadTextTokenizer(dir)();
}
