import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceFromEnv, init, key, memory } from '@mmada/tensor';
import {
  chat,
  createModel,
  disposeModel,
  generateIds,
  generateImage,
  generateText,
  inpaintImage,
  inpaintText,
  loadTextTokenizer,
  MODEL_ZOO,
  understandImage,
  type MaskPredictorModel,
  type TextTokenizer,
} from '@mmada/mmada';

let model: MaskPredictorModel;
let tok: TextTokenizer;

beforeAll(async () => {
  const device = await init({ device: deviceFromEnv() ?? 'cpu' });
  model = createModel(MODEL_ZOO['mmada-tiny'], key(11), { device, std: 0.3 });
  const t = await loadTextTokenizer(fileURLToPath(new URL('./fixtures/tiny-tokenizer/', import.meta.url)))();
  if (E.isLeft(t)) throw t.left;
  tok = t.right;
});

afterAll(() => disposeModel(model));

const sampling = { genLength: 8, steps: 4, blockLength: 4 } as const;

describe('text tasks', () => {
  it('generateText is deterministic per key and frees what it allocates', async () => {
    const before = memory().tensors;
    const a = await generateText(model, tok, 'the cat', key(1), { ...sampling, temperature: 1 });
    const b = await generateText(model, tok, 'the cat', key(1), { ...sampling, temperature: 1 });
    expect(a).toEqual(b);
    expect(a.ids[0]).toHaveLength(8);
    expect(a.ids[0]!.includes(MODEL_ZOO['mmada-tiny'].maskTokenId)).toBe(false);
    expect(memory().tensors).toBe(before);
  });

  it('a left-padded batch generates what each prompt generates alone (greedy)', async () => {
    const p1 = tok.encode('the cat sat on the mat');
    const p2 = tok.encode('a dog');
    const both = await generateIds(model, [p1, p2], key(0), sampling);
    const alone = await generateIds(model, [p2], key(0), sampling);
    expect(both.sequences[1]!.slice(0, p1.length - p2.length)).toEqual(new Array(p1.length - p2.length).fill(MODEL_ZOO['mmada-tiny'].padTokenId));
    expect(both.generated[1]).toEqual(alone.generated[0]);
  });

  it('chat formats the conversation (thinking mode changes the prompt, so the answer)', async () => {
    const plain = await chat(model, tok, 'what is the answer?', key(2), sampling);
    const again = await chat(model, tok, [{ role: 'user', content: 'what is the answer?' }], key(2), sampling);
    expect(again).toEqual(plain);
    const batch = await chat(model, tok, [[{ role: 'user', content: 'hi' }], [{ role: 'user', content: 'what is the answer?' }]], key(2), sampling);
    expect(batch.texts).toHaveLength(2);
    const thinking = await chat(model, tok, 'what is the answer?', key(2), { ...sampling, thinking: true });
    expect(thinking.ids[0]).toHaveLength(8);
  });

  it('inpaintText fills the gaps and keeps the known text', async () => {
    const r = await inpaintText(model, tok, ['the cat ', { gap: 3 }, ' on the mat'], key(4), { steps: 3 });
    const known = tok.encode('the cat ');
    expect(r.ids.slice(0, known.length)).toEqual(known);
    expect(r.ids.slice(known.length + 3)).toEqual(tok.encode(' on the mat'));
    expect(r.ids.includes(MODEL_ZOO['mmada-tiny'].maskTokenId)).toBe(false);
    expect(r.gaps).toHaveLength(1);
  });
});

describe('image tasks over tokens', () => {
  const image = { numImageTokens: 4, maxSeqLength: 8, steps: 3 } as const;

  it('understandImage answers about image codes', async () => {
    const r = await understandImage(model, tok, [0, 5, 15, 3], 'what is in the image?', key(5), sampling);
    expect(r.ids[0]).toHaveLength(8);
    const two = await understandImage(model, tok, [[0, 1, 2, 3], [4, 5, 6, 7]], ['a?', 'b?'], key(5), sampling);
    expect(two.texts).toHaveLength(2);
  });

  it('generateImage returns codes in the codebook, reproducibly, with and without guidance', async () => {
    const a = await generateImage(model, tok, 'a red square', key(6), { ...image, guidanceScale: 1.5 });
    const b = await generateImage(model, tok, 'a red square', key(6), { ...image, guidanceScale: 1.5 });
    expect(a).toEqual(b);
    expect(a.codes[0]).toHaveLength(4);
    for (const c of a.codes[0]!) expect(c >= 0 && c < 16).toBe(true);
    const two = await generateImage(model, tok, ['a', 'the cat sat on the mat'], key(6), image);
    expect(two.codes).toHaveLength(2);
  });

  it('inpaintImage keeps the known codes', async () => {
    const r = await inpaintImage(model, tok, 'a cat', [7, null, 9, null], key(8), { maxSeqLength: 8, steps: 3, guidanceScale: 1 });
    expect(r.codes[0]![0]).toBe(7);
    expect(r.codes[0]![2]).toBe(9);
    for (const c of r.codes[0]!) expect(c >= 0 && c < 16).toBe(true);
  });
});
