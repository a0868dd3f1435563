/**
 * Writing an image tokenizer in the released layout, so that upstream's PyTorch code (and `loadImageTokenizer`)
 * reads it: `<dir>/pytorch_model.safetensors` with F32 (or, on request, F16 / BF16) weights under the state-dict names plus the
 * `quantize.embedding` (F32) and `quantize.power_vals` (I64) buffers, and `<dir>/config.json` with the class
 * name and any architecture field that differs from the released tokenizer. Each file is written atomically.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { tensorEntries, writeFileAtomic, writeSafetensorsFile, type SafetensorsStreamEntry } from '@mmada/tensor';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import { vqConfigToJson } from './vq-config-json.js';
import { lfqCodebook } from './lfq.js';
import { flattenVqParameters } from './vq-parameters.js';
import type { ImageTokenizer } from './image-tokenizer.js';
import { VQ_CONFIG_FILE_NAME, VQ_WEIGHTS_FILE_NAME } from './load-image-tokenizer.js';

export interface SaveImageTokenizerOptions {
  /** Also write the recomputable `quantize.*` buffers, as the released file has them (default true). */
  readonly buffers?: boolean;
  /**
   * Storage dtype of the weights: 'F32' (default, as released), or 'F16' / 'BF16' to halve the file of a small
   * tokenizer. `loadImageTokenizer` reads all three (to f32).
   */
  readonly dtype?: 'F32' | 'F16' | 'BF16';
}

function bufferEntries(bits: number): SafetensorsStreamEntry[] {
  const powers = new BigInt64Array(bits);
  for (let c = 0; c < bits; c++) powers[c] = BigInt(2 ** (bits - 1 - c));
  const codebook = lfqCodebook(bits);
  return [
    { name: 'quantize.embedding', dtype: 'F32', shape: [2 ** bits, bits], data: new Uint8Array(codebook.buffer, codebook.byteOffset, codebook.byteLength) },
    { name: 'quantize.power_vals', dtype: 'I64', shape: [bits], data: new Uint8Array(powers.buffer) },
  ];
}

/** Writes a tokenizer directory. Left: a CheckpointError of kind 'unwritable'. */
export function saveImageTokenizer(dir: string, tokenizer: ImageTokenizer, options: SaveImageTokenizerOptions = {}): TE.TaskEither<CheckpointError, void> {
  return async () => {
    const weights = join(dir, VQ_WEIGHTS_FILE_NAME);
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      return E.left(new CheckpointError('unwritable', dir, `cannot create the directory (${(e as Error).message})`, undefined, { cause: e }));
    }
    const entries = [
      ...tensorEntries(flattenVqParameters(tokenizer.params), weights, () => options.dtype ?? 'F32'),
      ...(options.buffers === false ? [] : bufferEntries(tokenizer.config.bits)),
    ];
    const written = await writeSafetensorsFile(weights, entries)();
    if (E.isLeft(written)) return E.left(new CheckpointError('unwritable', written.left.file, written.left.detail, written.left.tensor, { cause: written.left }));
    const configPath = join(dir, VQ_CONFIG_FILE_NAME);
    try {
      await writeFileAtomic(configPath, `${JSON.stringify(vqConfigToJson(tokenizer.config), null, 2)}\n`);
    } catch (e) {
      return E.left(new CheckpointError('unwritable', configPath, `cannot write (${(e as Error).message})`, undefined, { cause: e }));
    }
    return E.right(undefined);
  };
}
