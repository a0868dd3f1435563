/** Reading an image tokenizer's config.json from disk (Node only; browsers use parseVqConfigText). */
import { readFile } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import { ConfigError } from '../config/config-error.js';
import { MAGVITV2_CONFIG, type VqConfig } from './vq-config.js';
import { parseVqConfigText } from './vq-config-json.js';

/**
 * Reads a tokenizer's config.json; a missing file means the released architecture (a directory holding only
 * the weights is accepted).
 */
export async function readVqConfig(file: string): Promise<E.Either<ConfigError, VqConfig>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return E.right(MAGVITV2_CONFIG);
    return E.left(new ConfigError(file, undefined, `cannot read (${(e as Error).message})`));
  }
  return parseVqConfigText(text, file);
}
