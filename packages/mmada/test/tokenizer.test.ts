import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatChat, loadTextTokenizer, THINKING_PREFIX, TINY_SPECIAL_TOKENS, type TextTokenizer } from '@mmada/mmada';

const dir = fileURLToPath(new URL('./fixtures/tiny-tokenizer/', import.meta.url));
let tok: TextTokenizer;

beforeAll(async () => {
  const t = await loadTextTokenizer(dir)();
  if (E.isLeft(t)) throw t.left;
  tok = t.right;
});

describe('text tokenizer (tiny byte-level BPE fixture)', () => {
  it('resolves the special tokens by their strings, and the image offset as its length', () => {
    expect(tok.size).toBe(297);
    expect(tok.specialTokens).toEqual(TINY_SPECIAL_TOKENS);
  });

  it('encodes with the learned merges and adds no special tokens', () => {
    // " the" is merge 279 and "the" merge 257 (see scripts/make-tiny-tokenizer.ts).
    expect(tok.encode('the cat')).toEqual([257, 279]);
    expect(tok.encode('')).toEqual([]);
  });

  it('round-trips any UTF-8 text', () => {
    for (const s of ['the cat sat on the mat', 'héllo  wörld\n', '2 + 2 = 4?', '日本']) expect(tok.decode(tok.encode(s))).toBe(s);
  });

  it('turns special-token strings into their ids and can skip them when decoding', () => {
    const ids = tok.encode(formatChat([{ role: 'user', content: 'hi' }]));
    expect(ids[0]).toBe(280);
    expect(ids.slice(1, 2)).toEqual([294]);
    expect(ids.at(-1)).toBe(10); // the "\n" after the assistant header
    expect(ids.filter((i) => i >= 280)).toEqual([280, 294, 295, 296, 294, 295]);
    expect(tok.decode([280, 257, 281], { skipSpecialTokens: true })).toBe('the');
    expect(tok.decode([280, 257, 281])).toBe('<|startoftext|>the<|endoftext|>');
    expect(tok.decode([])).toBe(''); // an answer that starts with EOS is empty
  });

  it('reports a missing tokenizer.json by path', async () => {
    const t = await loadTextTokenizer('/nonexistent/dir')();
    expect(E.isLeft(t) && t.left.message).toMatch(/^\/nonexistent\/dir\/tokenizer\.json: cannot read the file/);
  });
});

describe('chat template', () => {
  it('is the inference template with one newline after each header', () => {
    expect(formatChat([{ role: 'user', content: '  What is 2+2? \n' }])).toBe(
      '<|startoftext|><|start_header_id|>user<|end_header_id|>\nWhat is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n',
    );
  });

  it('puts BOS once for several turns', () => {
    expect(
      formatChat([
        { role: 'system', content: 'S' },
        { role: 'user', content: 'U' },
        { role: 'assistant', content: 'A' },
        { role: 'user', content: 'V' },
      ]),
    ).toBe(
      '<|startoftext|><|start_header_id|>system<|end_header_id|>\nS<|eot_id|><|start_header_id|>user<|end_header_id|>\nU<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\nA<|eot_id|><|start_header_id|>user<|end_header_id|>\nV<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n',
    );
  });

  it('has the thinking-mode prefix and the training typo as options', () => {
    expect(formatChat([{ role: 'user', content: 'Q' }], { thinking: true, bos: false, addGenerationPrompt: false })).toBe(
      `<|start_header_id|>user<|end_header_id|>\n${THINKING_PREFIX}Q<|eot_id|>`,
    );
    expect(formatChat([{ role: 'user', content: 'Q' }], { trainingTypo: true, bos: false })).toBe(
      '<|start_header_id|>user<|end_header_id|>\nQ<eot_id><|start_header_id|>assistant<|end_header_id|>\n',
    );
  });
});
