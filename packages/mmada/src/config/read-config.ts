/** Reading `config.json` from disk (Node only; browsers parse fetched text with parseModelConfigText). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { ConfigError } from './config-error.js';
import type { ModelConfig } from './model-config.js';
import { CONFIG_FILE_NAME, parseModelConfigText } from './parse-config.js';

/** Reads and validates `config.json` in a checkpoint directory (or a path to a .json file). */
export function readModelConfig(path: string): TE.TaskEither<ConfigError, ModelConfig> {
  const file = path.endsWith('.json') ? path : join(path, CONFIG_FILE_NAME);
  return pipe(
    TE.tryCatch(
      () => readFile(file, 'utf8'),
      (e) => new ConfigError(file, undefined, `cannot read the file (${(e as Error).message})`),
    ),
    TE.chainEitherK((text) => parseModelConfigText(text, file)),
  );
}
