/**
 * Checks a parsed `tokenizer.json` before @huggingface/tokenizers sees it.
 *
 * The library trusts the file: it stores tokens in an array indexed by id, so one added token with id 1e9
 * makes it walk a billion slots (a hang), and a `"vocab": "oops"` or a merge over unknown tokens surfaces
 * later as a TypeError or a wrong encoding. Here every id must lie inside the id space the file defines
 * (0 … vocabulary + added tokens − 1, the dense numbering every tokenizer writer produces), and the model's
 * structure must match its `type`.
 */
import * as E from 'fp-ts/lib/Either.js';
import { TokenizerError } from './tokenizer-error.js';

/** The model types this project runs (those of @huggingface/tokenizers). */
export const TOKENIZER_MODEL_TYPES = ['BPE', 'WordPiece', 'WordLevel', 'Unigram'] as const;

const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isId = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const show = (x: unknown): string => {
  const s = JSON.stringify(x) ?? String(x);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** The tokens of `model.vocab` (with their ids, or undefined for Unigram, whose ids are positions). */
function vocabTokens(model: Record<string, unknown>, type: string, fail: (d: string) => TokenizerError): E.Either<TokenizerError, Map<string, number>> {
  const vocab = model.vocab;
  const tokens = new Map<string, number>();
  if (type === 'Unigram') {
    if (!Array.isArray(vocab)) return E.left(fail(`model.vocab must be an array of [piece, score] pairs for a Unigram model, got ${show(vocab)}`));
    for (let i = 0; i < vocab.length; i++) {
      const entry: unknown = vocab[i];
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || typeof entry[1] !== 'number' || !Number.isFinite(entry[1])) {
        return E.left(fail(`model.vocab[${i}] must be a [piece, score] pair (a string and a finite number), got ${show(entry)}`));
      }
      if (tokens.has(entry[0])) return E.left(fail(`model.vocab[${i}]: piece ${show(entry[0])} is listed twice`));
      tokens.set(entry[0], i);
    }
    return E.right(tokens);
  }
  if (!isPlainObject(vocab)) return E.left(fail(`model.vocab must be an object mapping tokens to ids for a ${type} model, got ${show(vocab)}`));
  const byId = new Map<number, string>();
  for (const [token, id] of Object.entries(vocab)) {
    if (!isId(id)) return E.left(fail(`model.vocab[${show(token)}] must be a non-negative integer id, got ${show(id)}`));
    const other = byId.get(id);
    if (other !== undefined) return E.left(fail(`model.vocab: id ${id} is given to both ${show(other)} and ${show(token)}`));
    byId.set(id, token);
    tokens.set(token, id);
  }
  return E.right(tokens);
}

/** `model.merges` of a BPE model: `"a b"` strings or `["a", "b"]` pairs over known tokens, each making a known token. */
function checkMerges(model: Record<string, unknown>, vocab: ReadonlyMap<string, number>, fail: (d: string) => TokenizerError): E.Either<TokenizerError, void> {
  const merges = model.merges ?? [];
  if (!Array.isArray(merges)) return E.left(fail(`model.merges must be an array, got ${show(merges)}`));
  const prefix = typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '';
  for (let i = 0; i < merges.length; i++) {
    const m: unknown = merges[i];
    let pair: [string, string] | undefined;
    if (typeof m === 'string') {
      const parts = m.split(' ');
      if (parts.length === 2) pair = [parts[0]!, parts[1]!];
    } else if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') {
      pair = [m[0], m[1]];
    }
    if (pair === undefined) return E.left(fail(`model.merges[${i}] must be "a b" or ["a", "b"], got ${show(m)}`));
    for (const part of pair) {
      if (!vocab.has(part)) return E.left(fail(`model.merges[${i}] ${show(m)}: ${show(part)} is not in model.vocab`));
    }
    const merged = pair[0] + (prefix !== '' && pair[1].startsWith(prefix) ? pair[1].slice(prefix.length) : pair[1]);
    if (!vocab.has(merged)) return E.left(fail(`model.merges[${i}] ${show(m)}: the merged token ${show(merged)} is not in model.vocab`));
  }
  return E.right(undefined);
}

/**
 * Checks the structure and the ids of a parsed tokenizer.json (`file` names it in errors): a `model`
 * object whose `type` is one of TOKENIZER_MODEL_TYPES with a vocabulary of that type's shape, BPE merges
 * over known tokens, and `added_tokens` whose ids lie in the id space.
 */
export function validateTokenizerJson(json: unknown, file: string): E.Either<TokenizerError, void> {
  const fail = (detail: string) => new TokenizerError(file, detail);
  if (!isPlainObject(json)) return E.left(fail(`expected a Hugging Face tokenizer.json object, got ${Array.isArray(json) ? 'an array' : show(json)}`));
  const model = json.model;
  if (!isPlainObject(model)) return E.left(fail(`"model" must be an object (with "type" and "vocab"), got ${show(model)}`));
  const type = model.type;
  if (typeof type !== 'string' || !(TOKENIZER_MODEL_TYPES as readonly string[]).includes(type)) {
    return E.left(fail(`model.type must be one of ${TOKENIZER_MODEL_TYPES.join(', ')}, got ${show(type)}`));
  }
  const vocab = vocabTokens(model, type, fail);
  if (E.isLeft(vocab)) return vocab;
  if (type === 'BPE') {
    const merges = checkMerges(model, vocab.right, fail);
    if (E.isLeft(merges)) return merges;
  }

  const added = json.added_tokens ?? [];
  if (!Array.isArray(added)) return E.left(fail(`added_tokens must be an array, got ${show(added)}`));
  const contents = new Set(vocab.right.keys());
  const addedIds = new Map<number, string>();
  for (let i = 0; i < added.length; i++) {
    const t: unknown = added[i];
    if (!isPlainObject(t) || typeof t.content !== 'string') return E.left(fail(`added_tokens[${i}] must be an object with a string "content", got ${show(t)}`));
    if (!isId(t.id)) return E.left(fail(`added_tokens[${i}] (${show(t.content)}): id must be a non-negative integer, got ${show(t.id)}`));
    const other = addedIds.get(t.id);
    if (other !== undefined && other !== t.content) return E.left(fail(`added_tokens[${i}] (${show(t.content)}): id ${t.id} is already given to ${show(other)}`));
    addedIds.set(t.id, t.content);
    contents.add(t.content);
  }

  // Every id must lie inside the space the file's tokens span: beyond it the library would walk (and
  // allocate) every id up to the largest.
  const count = contents.size;
  for (const [token, id] of vocab.right) {
    if (id >= count) return E.left(fail(`model.vocab[${show(token)}]: id ${id} is out of range: the file defines ${count} tokens (ids 0 … ${count - 1})`));
  }
  for (const [id, content] of addedIds) {
    if (id >= count) {
      const i = added.findIndex((t: { id?: unknown }) => t.id === id);
      return E.left(fail(`added_tokens[${i}] (${show(content)}): id ${id} is out of range: the file defines ${count} tokens (ids 0 … ${count - 1})`));
    }
  }
  return E.right(undefined);
}
