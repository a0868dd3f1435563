/**
 * The text tokenizer: a Hugging Face `tokenizer.json` (plus optional `tokenizer_config.json`) run by
 * @huggingface/tokenizers, with the MMaDA special tokens resolved to ids.
 *
 * Encoding never adds special tokens on its own (MMaDA's prompting adds BOS/EOS itself); special-token
 * strings inside the text (`<|eot_id|>`, ...) become their ids, as with upstream's tokenizer.
 */
import * as E from 'fp-ts/lib/Either.js';
import { Tokenizer } from '@huggingface/tokenizers';
import { findDuplicateJsonKey } from '@mmada/tensor';
import { MMADA_SPECIAL_TOKENS, SPECIAL_TOKEN_STRINGS, type SpecialTokens } from './special-tokens.js';
import { TokenizerError } from './tokenizer-error.js';
import { validateTokenizerJson } from './validate-tokenizer-json.js';

export const TOKENIZER_FILE_NAME = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE_NAME = 'tokenizer_config.json';

export { TokenizerError };

export interface DecodeOptions {
  /** Drop special tokens (BOS, EOS, MASK, headers, ...) from the text. Default false. */
  readonly skipSpecialTokens?: boolean;
}

export interface TextTokenizer {
  /** `len(tokenizer)`: base vocabulary plus added tokens (126349 for LLaDA; the image-token offset). */
  readonly size: number;
  readonly specialTokens: SpecialTokens;
  /** The `chat_template` of tokenizer_config.json, if any (informational; see formatChat for the one used). */
  readonly chatTemplate: string | undefined;
  encode(text: string): number[];
  decode(ids: readonly number[], options?: DecodeOptions): string;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
}

/**
 * Each role's id: the id of its token string when the tokenizer has it, else the LLaDA/MMaDA id (the LLaDA
 * tokenizer holds several roles in reserved slots under other names). The image-token offset is `size`.
 */
function resolveSpecialTokens(tok: Tokenizer, size: number, override: Partial<SpecialTokens>): SpecialTokens {
  const ids: Record<string, number> = {};
  for (const [role, text] of Object.entries(SPECIAL_TOKEN_STRINGS)) ids[role] = tok.token_to_id(text) ?? MMADA_SPECIAL_TOKENS[role as keyof SpecialTokens];
  return { ...(ids as Omit<SpecialTokens, 'pad' | 'imageTokenOffset'>), pad: ids.eos!, imageTokenOffset: size, ...override };
}

/** Builds a tokenizer from the parsed files. `specialTokens` overrides resolved ids. */
export function textTokenizerFromJson(
  tokenizerJson: unknown,
  tokenizerConfig: unknown = {},
  specialTokens: Partial<SpecialTokens> = {},
  file = TOKENIZER_FILE_NAME,
): E.Either<TokenizerError, TextTokenizer> {
  const valid = validateTokenizerJson(tokenizerJson, file);
  if (E.isLeft(valid)) return valid;
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(tokenizerJson as object, (tokenizerConfig ?? {}) as object);
  } catch (e) {
    return E.left(new TokenizerError(file, `cannot build the tokenizer (${(e as Error).message})`, { cause: e }));
  }
  const size = tok.get_vocab(true).size;
  const special = resolveSpecialTokens(tok, size, specialTokens);
  const template = (tokenizerConfig as { chat_template?: unknown } | null)?.chat_template;
  return E.right({
    size,
    specialTokens: special,
    chatTemplate: typeof template === 'string' ? template : undefined,
    encode: (text) => tok.encode(text, { add_special_tokens: false }).ids,
    // The tokenizers package rejects an empty list; an empty answer (e.g. one that starts with EOS) decodes to ''.
    decode: (ids, options = {}) => (ids.length === 0 ? '' : tok.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? false, clean_up_tokenization_spaces: false })),
    tokenToId: (token) => tok.token_to_id(token),
    idToToken: (id) => tok.id_to_token(id),
  });
}

/** Parses the text of tokenizer.json or tokenizer_config.json (`path` names it in errors). */
export function tokenizerJsonFromText(text: string, path: string): E.Either<TokenizerError, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return E.left(new TokenizerError(path, `not valid JSON (${(e as Error).message})`, { cause: e }));
  }
  // JSON.parse keeps the last of two equal keys: a token listed twice in a vocabulary would be misread.
  const duplicate = findDuplicateJsonKey(text);
  if (duplicate !== undefined) return E.left(new TokenizerError(path, `${JSON.stringify(duplicate.key)} appears twice in ${duplicate.path === '$' ? 'the top-level object' : duplicate.path.slice(2)}`));
  return E.right(json);
}
