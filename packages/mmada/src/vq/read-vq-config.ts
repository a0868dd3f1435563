/** Reading an image tokenizer's config.json from disk (Node only; browsers use parseVqConfigText). */
import * as E from 'fp-ts/lib/Either.js';
import { FileKindError, readRegularTextFile } from '@mmada/tensor';
import { ConfigError } from '../config/config-error.js';
import { MAX_CONFIG_FILE_BYTES } from '../config/read-config.js';
import { MAGVITV2_CONFIG, type VqConfig } from './vq-config.js';
import { parseVqConfigText } from './vq-config-json.js';

/**
 * Reads a tokenizer's config.json; a missing file means the released architecture (a directory holding only
 * the weights is accepted).
 */
export async function readVqConfig(file: string): Promise<E.Either<ConfigError, VqConfig>> {
  let text: string;
  try {
    text = await readRegularTextFile(file, { what: 'config file', maxBytes: MAX_CONFIG_FILE_BYTES });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return E.right(MAGVITV2_CONFIG);
    if (e instanceof FileKindError) return E.left(new ConfigError(file, undefined, e.detail));
    return E.left(new ConfigError(file, undefined, `cannot read (${(e as Error).message})`));
  }
  return parseVqConfigText(text, file);
}
