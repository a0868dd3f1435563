/**
 * The multimodal tasks with pixels: a tiny image tokenizer (16 codes, as the tiny model's codebook) turns
 * images into codes for understandImage / inpaintImage and generated codes back into images.
 */
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, key, memory } from '@mmada/tensor';
import { createImage } from '@mmada/image';
import {
  codesToImages, createModel, disposeImageTokenizer, disposeModel, generateImagePixels, imageCodes, initImageTokenizer, inpaintImagePixels,
  loadTextTokenizer, MODEL_ZOO, tokenMaskFromPixels, understandImage, understandImagePixels, vqConfig,
  type ImageTokenizer, type MaskPredictorModel, type TextTokenizer,
} from '@mmada/mmada';

let model: MaskPredictorModel;
let tok: TextTokenizer;
let vq: ImageTokenizer;

/** 4× downsampling and 4 bits: an 8×8 image is 2×2 = 4 tokens of the tiny model's 16-code codebook. */
const VQ = vqConfig({ ch: 4, encoderChMult: [1, 2, 2], encoderNumResBlocks: [1, 1, 1], decoderChMult: [1, 2, 2], decoderNumResBlocks: [1, 1, 1], bits: 4, normGroups: 2 });
const pixels = { resolution: 8 } as const;

beforeAll(async () => {
  await init({ device: 'cpu' });
  model = createModel(MODEL_ZOO['mmada-tiny'], key(11), { device: 'cpu', std: 0.3 });
  const t = await loadTextTokenizer(fileURLToPath(new URL('./fixtures/tiny-tokenizer/', import.meta.url)))();
  if (E.isLeft(t)) throw t.left;
  tok = t.right;
  vq = initImageTokenizer(VQ, key(3));
});

afterAll(() => {
  disposeModel(model);
  disposeImageTokenizer(vq);
});

const photo = (() => {
  const img = createImage(20, 12, [250, 250, 250]);
  for (let y = 2; y < 9; y++) for (let x = 5; x < 14; x++) img.data.set([220, 30, 30], (y * 20 + x) * 3);
  return img;
})();

describe('image tasks on pixels', () => {
  it('understandImagePixels answers about the codes of the transformed image', async () => {
    const before = memory().tensors;
    const codes = await imageCodes(vq, [photo], pixels);
    expect(codes[0]).toHaveLength(4);
    const sampling = { genLength: 8, steps: 4, blockLength: 4 } as const;
    const viaPixels = await understandImagePixels(model, tok, vq, photo, 'what is this?', key(5), { ...sampling, ...pixels });
    const viaCodes = await understandImage(model, tok, codes[0]!, 'what is this?', key(5), sampling);
    expect(viaPixels).toEqual(viaCodes);
    expect(memory().tensors).toBe(before);
  });

  it('generateImagePixels returns codes and the images they decode to', async () => {
    const r = await generateImagePixels(model, tok, vq, ['a red square', 'a cat'], key(6), { numImageTokens: 4, maxSeqLength: 8, steps: 3 });
    expect(r.codes).toHaveLength(2);
    expect(r.images.map((i) => [i.width, i.height])).toEqual([[8, 8], [8, 8]]);
    expect(await codesToImages(vq, r.codes)).toEqual(r.images);
  });

  it('inpaintImagePixels keeps the tokens outside the mask', async () => {
    const mask = createImage(8, 8, [0, 0, 0]);
    for (let y = 0; y < 4; y++) for (let x = 4; x < 8; x++) mask.data.set([255, 255, 255], (y * 8 + x) * 3); // top-right token
    const regenerate = tokenMaskFromPixels(mask, [2, 2]);
    expect(regenerate).toEqual([false, true, false, false]);
    const [codes] = await imageCodes(vq, [photo], pixels);
    const r = await inpaintImagePixels(model, tok, vq, 'a cat', photo, regenerate, key(8), { ...pixels, maxSeqLength: 8, steps: 3, guidanceScale: 1 });
    expect([r.codes[0]![0], r.codes[0]![2], r.codes[0]![3]]).toEqual([codes![0], codes![2], codes![3]]);
    expect([r.images[0]!.width, r.images[0]!.height]).toEqual([8, 8]);
    await expect(inpaintImagePixels(model, tok, vq, 'a cat', photo, [true], key(8), pixels)).rejects.toThrow(/regenerate has 1 flags; the 2×2 token grid needs 4/);
  });
});
