import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { byteLevelAlphabet, textTokenizerFromJson, trainWordBpe } from '@mmada/mmada';

const corpus = ['the cat sat on the mat', 'the cat has 12 mats', '<think>the mat</think> 7', 'a cat'];

function build(extra: Partial<Parameters<typeof trainWordBpe>[1]> = {}) {
  const t = trainWordBpe(corpus, { specialTokens: ['<|endoftext|>'], textTokens: ['<think>', '</think>'], ...extra });
  const tok = textTokenizerFromJson(t.tokenizerJson, t.tokenizerConfig);
  if (E.isLeft(tok)) throw tok.left;
  return { t, tok: tok.right };
}

describe('trainWordBpe', () => {
  it('makes every corpus word one token (with and without its leading space)', () => {
    const { tok } = build();
    const pieces = (s: string) => tok.encode(s).map((i) => tok.idToToken(i));
    expect(pieces('the cat sat on the mat')).toEqual(['the', 'Ġcat', 'Ġsat', 'Ġon', 'Ġthe', 'Ġmat']);
    expect(pieces('a cat')).toEqual(['a', 'Ġcat']);
  });

  it('keeps digits single tokens', () => {
    const { tok } = build();
    expect(tok.encode('has 12').map((i) => tok.idToToken(i))).toEqual(['has', 'Ġ', '1', '2']);
  });

  it('encodes unseen text through the byte tokens and decodes it back exactly', () => {
    const { tok } = build();
    for (const s of ['zebra 309!', 'héllo\nwörld', '']) expect(tok.decode(tok.encode(s))).toBe(s);
    expect(tok.encode('z')).toEqual([byteLevelAlphabet().indexOf('z')]);
  });

  it('adds special tokens that decoding may skip and text tokens that it keeps', () => {
    const { t, tok } = build();
    const n = 256 + t.merges.length;
    expect(t.size).toBe(n + 3);
    expect(tok.size).toBe(n + 3);
    expect(tok.tokenToId('<|endoftext|>')).toBe(n);
    expect(tok.tokenToId('<think>')).toBe(n + 1);
    const ids = tok.encode('<think>the mat</think> 7<|endoftext|>');
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('<think>the mat</think> 7');
  });

  it('is deterministic and learns merges in frequency order', () => {
    const a = build().t;
    const b = build().t;
    expect(a.merges).toEqual(b.merges);
    // By hand: "a t" occurs in " cat" ×3, " sat", " mat" ×2 and " mats" = 7 times; "t h" and "h e" 4 times
    // ("the" ×4); "Ġ c" 3 times. So the first merge is "a t"; then "h e" and "t h" tie at 4 (every pair
    // with "at" is 3) and the tie goes to the smaller text, "h e".
    expect(a.merges.slice(0, 2)).toEqual(['a t', 'h e']);
  });

  it('refuses an open vocabulary beyond maxMerges', () => {
    expect(() => trainWordBpe(['abcdefghij klmnopqrst'], { specialTokens: [], maxMerges: 3 })).toThrow(/more than 3 merges/);
  });
});

describe('learnMerges', () => {
  it('merges the most frequent allowed pair first, stops at maxMerges and says whether pairs were left', async () => {
    const { learnMerges } = await import('../src/tokenizer/word-bpe.js');
    // "ab" ×3 and "abc" ×1: pair "a b" counts 4, "b c" 1.
    const words = [{ parts: ['a', 'b'], count: 3 }, { parts: ['a', 'b', 'c'], count: 1 }];
    const one = learnMerges(words, { maxMerges: 1 });
    expect(one).toEqual({ merges: ['a b'], exhausted: false });
    expect(words[1]!.parts).toEqual(['ab', 'c']);
    expect(learnMerges(words, { maxMerges: 10 })).toEqual({ merges: ['ab c'], exhausted: true });
    const blocked = learnMerges([{ parts: ['x', '1', '2'], count: 5 }], { maxMerges: 10, allowPair: (a, b) => !/\d/.test(a + b) });
    expect(blocked).toEqual({ merges: [], exhausted: true });
  });
});

describe('byteLevelBpeJson', () => {
  it('numbers the byte symbols, then the merges, then the added tokens, and loads as a tokenizer', async () => {
    const { byteLevelBpeJson } = await import('../src/tokenizer/word-bpe.js');
    const j = byteLevelBpeJson(['a b', 'ab c'], [{ content: '<|endoftext|>', special: true }, { content: '<think>', special: false }]);
    const model = j.model as { vocab: Record<string, number>; merges: string[] };
    expect(Object.keys(model.vocab)).toHaveLength(258);
    expect(model.vocab.a).toBe(97);
    expect(model.vocab.ab).toBe(256);
    expect(model.vocab.abc).toBe(257);
    expect(model.merges).toEqual(['a b', 'ab c']);
    expect((j.added_tokens as Array<{ id: number; content: string; special: boolean }>).map(({ id, content, special }) => [id, content, special]))
      .toEqual([[258, '<|endoftext|>', true], [259, '<think>', false]]);
    const tok = textTokenizerFromJson(j, {});
    if (E.isLeft(tok)) throw tok.left;
    expect(tok.right.encode('abc')).toEqual([257]);
  });
});
