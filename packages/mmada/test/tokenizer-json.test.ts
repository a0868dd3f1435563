// tokenizer.json is checked before @huggingface/tokenizers sees it: structure, merges, and ids in range.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { TokenizerError, textTokenizerFromJson, tokenizerJsonFromText } from '../src/tokenizer/text-tokenizer.js';
import { validateTokenizerJson } from '../src/tokenizer/validate-tokenizer-json.js';
import { loadTextTokenizer } from '../src/tokenizer/load-text-tokenizer.js';

const fixture = fileURLToPath(new URL('./fixtures/tiny-tokenizer/tokenizer.json', import.meta.url));
const text = readFileSync(fixture, 'utf8');
type Json = { model: Record<string, unknown> & { vocab: Record<string, number>; merges: string[] }; added_tokens: { id: number; content: string }[] } & Record<string, unknown>;
const base = (): Json => JSON.parse(text) as Json;

function error(json: unknown): string {
  const r = validateTokenizerJson(json, 'tokenizer.json');
  if (E.isRight(r)) throw new Error('expected a Left');
  expect(r.left).toBeInstanceOf(TokenizerError);
  expect(r.left.file).toBe('tokenizer.json');
  return r.left.message;
}

describe('validateTokenizerJson', () => {
  it('accepts the shipped tokenizer files', () => {
    expect(E.isRight(validateTokenizerJson(base(), 'tokenizer.json'))).toBe(true);
    const shipped = fileURLToPath(new URL('../../../models/mmada-tiny/tokenizer.json', import.meta.url));
    expect(E.isRight(validateTokenizerJson(JSON.parse(readFileSync(shipped, 'utf8')), shipped))).toBe(true);
  });

  it('refuses an added token id far beyond the vocabulary at once (the library would walk every id up to it)', () => {
    const j = base();
    const count = Object.keys(j.model.vocab).length + j.added_tokens.length;
    j.added_tokens[0]!.id = 1e9;
    expect(error(j)).toBe(`tokenizer.json: added_tokens[0] ("<|startoftext|>"): id 1000000000 is out of range: the file defines ${count} tokens (ids 0 … ${count - 1})`);
    // The same file through the builder: a Left, not a hang.
    const built = textTokenizerFromJson(j, {}, {}, 'tokenizer.json');
    expect(E.isLeft(built) && built.left.message).toMatch(/id 1000000000 is out of range/);
  });

  it('refuses vocabulary ids out of range, shared, or not integers', () => {
    const j = base();
    j.model.vocab['t'] = 5000;
    expect(error(j)).toMatch(/^tokenizer\.json: model\.vocab\["t"\]: id 5000 is out of range: the file defines \d+ tokens/);
    const shared = base();
    shared.model.vocab['t'] = shared.model.vocab['h']!;
    expect(error(shared)).toMatch(/model\.vocab: id \d+ is given to both "[th]" and "[th]"/);
    const frac = base();
    (frac.model.vocab as Record<string, unknown>)['t'] = 1.5;
    expect(error(frac)).toBe('tokenizer.json: model.vocab["t"] must be a non-negative integer id, got 1.5');
    const dup = base();
    dup.added_tokens[1]!.id = dup.added_tokens[0]!.id;
    expect(error(dup)).toMatch(/added_tokens\[1\] \("<\|endoftext\|>"\): id 280 is already given to "<\|startoftext\|>"/);
  });

  it('checks the structure: model, model.type, vocab of the right shape, added_tokens', () => {
    expect(error([])).toBe('tokenizer.json: expected a Hugging Face tokenizer.json object, got an array');
    expect(error({})).toBe('tokenizer.json: "model" must be an object (with "type" and "vocab"), got undefined');
    expect(error({ ...base(), model: { ...base().model, type: 'Q' } })).toBe('tokenizer.json: model.type must be one of BPE, WordPiece, WordLevel, Unigram, got "Q"');
    expect(error({ ...base(), model: { ...base().model, vocab: 'oops' } })).toBe('tokenizer.json: model.vocab must be an object mapping tokens to ids for a BPE model, got "oops"');
    expect(error({ ...base(), added_tokens: {} })).toBe('tokenizer.json: added_tokens must be an array, got {}');
    expect(error({ ...base(), added_tokens: [{ id: 0 }] })).toBe('tokenizer.json: added_tokens[0] must be an object with a string "content", got {"id":0}');
    expect(error({ model: { type: 'Unigram', vocab: [['a', 0], ['b']] } })).toBe('tokenizer.json: model.vocab[1] must be a [piece, score] pair (a string and a finite number), got ["b"]');
    expect(E.isRight(validateTokenizerJson({ model: { type: 'Unigram', vocab: [['a', -1], ['b', -2]] } }, 't'))).toBe(true);
    expect(E.isRight(validateTokenizerJson({ model: { type: 'WordLevel', vocab: { a: 0, b: 1 } } }, 't'))).toBe(true);
  });

  it('refuses merges over unknown tokens, merges whose result is unknown, and malformed merges', () => {
    const j = base();
    j.model.merges[0] = 'zz q';
    expect(error(j)).toBe('tokenizer.json: model.merges[0] "zz q": "zz" is not in model.vocab');
    const k = base();
    k.model.merges[0] = 'h t';
    expect(error(k)).toBe('tokenizer.json: model.merges[0] "h t": the merged token "ht" is not in model.vocab');
    const m = base();
    (m.model.merges as unknown[])[0] = 'a b c';
    expect(error(m)).toBe('tokenizer.json: model.merges[0] must be "a b" or ["a", "b"], got "a b c"');
    const pairs = base();
    (pairs.model.merges as unknown[]) = pairs.model.merges.map((s) => s.split(' '));
    expect(E.isRight(validateTokenizerJson(pairs, 't'))).toBe(true);
  });
});

describe('tokenizerJsonFromText', () => {
  it('refuses a key given twice (JSON.parse would keep the last copy)', () => {
    const r = tokenizerJsonFromText('{"model":{"type":"WordLevel","vocab":{"a":0,"a":1}}}', 'tokenizer.json');
    expect(E.isLeft(r) && r.left.message).toBe('tokenizer.json: "a" appears twice in model.vocab');
    expect(E.isRight(tokenizerJsonFromText(text, fixture))).toBe(true);
  });
});

describe('loadTextTokenizer', () => {
  it('refuses a FIFO as tokenizer.json at once instead of blocking', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmada-tokenizer-fifo-'));
    try {
      execFileSync('mkfifo', [join(dir, 'tokenizer.json')]);
      const r = await loadTextTokenizer(dir)();
      expect(E.isLeft(r) && r.left.message).toBe(`${join(dir, 'tokenizer.json')}: is a FIFO (named pipe); the tokenizer file must be a regular file`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
