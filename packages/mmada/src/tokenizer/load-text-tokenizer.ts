/** Reading a model directory's text tokenizer from disk (Node only; browsers use textTokenizerFromJson). */
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { FileKindError, readRegularTextFile } from '@mmada/tensor';
import type { SpecialTokens } from './special-tokens.js';
import { TOKENIZER_CONFIG_FILE_NAME, TOKENIZER_FILE_NAME, TokenizerError, textTokenizerFromJson, tokenizerJsonFromText, type TextTokenizer } from './text-tokenizer.js';

/** Far above any real tokenizer.json (LLaDA's is about 10 MB): a larger file is refused before it is read. */
const MAX_TOKENIZER_FILE_BYTES = 512 * 1024 * 1024;

async function readJson(path: string, optional: boolean): Promise<E.Either<TokenizerError, unknown>> {
  let text: string;
  try {
    text = await readRegularTextFile(path, { what: 'tokenizer file', maxBytes: MAX_TOKENIZER_FILE_BYTES });
  } catch (e) {
    if (optional && (e as NodeJS.ErrnoException).code === 'ENOENT') return E.right({});
    if (e instanceof FileKindError) return E.left(new TokenizerError(path, e.detail, { cause: e }));
    return E.left(new TokenizerError(path, `cannot read the file (${(e as Error).message})`, { cause: e }));
  }
  return tokenizerJsonFromText(text, path);
}

/** Reads `tokenizer.json` (required) and `tokenizer_config.json` (optional) from a model directory. */
export function loadTextTokenizer(dir: string, specialTokens: Partial<SpecialTokens> = {}): TE.TaskEither<TokenizerError, TextTokenizer> {
  return async () => {
    const file = join(dir, TOKENIZER_FILE_NAME);
    const json = await readJson(file, false);
    if (E.isLeft(json)) return json;
    const config = await readJson(join(dir, TOKENIZER_CONFIG_FILE_NAME), true);
    if (E.isLeft(config)) return config;
    return textTokenizerFromJson(json.right, config.right, specialTokens, file);
  };
}
