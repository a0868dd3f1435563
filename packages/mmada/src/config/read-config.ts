/** Reading `config.json` from disk (Node only; browsers parse fetched text with parseModelConfigText). */
import { join } from 'node:path';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { FileKindError, readRegularTextFile } from '@mmada/tensor';
import { ConfigError } from './config-error.js';
import type { ModelConfig } from './model-config.js';
import { CONFIG_FILE_NAME, parseModelConfigText } from './parse-config.js';

/** A config.json is a few hundred bytes; anything past this is not one (and is refused before it is read). */
export const MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024;

/** Reads and validates `config.json` in a checkpoint directory (or a path to a .json file). */
export function readModelConfig(path: string): TE.TaskEither<ConfigError, ModelConfig> {
  const file = path.endsWith('.json') ? path : join(path, CONFIG_FILE_NAME);
  return pipe(
    TE.tryCatch(
      () => readRegularTextFile(file, { what: 'config file', maxBytes: MAX_CONFIG_FILE_BYTES }),
      (e) => new ConfigError(file, undefined, e instanceof FileKindError ? e.detail : `cannot read the file (${(e as Error).message})`),
    ),
    TE.chainEitherK((text) => parseModelConfigText(text, file)),
  );
}
