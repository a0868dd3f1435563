/**
 * The TypeScript MAGVIT-v2 tokenizer against an independent PyTorch implementation of the published
 * architecture (scripts/reference/magvit_reference.py), on the tiny random tokenizer that script writes in the
 * released layout: latents, token ids, decoded pixels of a non-square grid, and the resize + center crop
 * input transform (against Pillow). Runs on MMADA_DEVICE (default cpu).
 */
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceFromEnv, dispose, init, loadSafetensorsOrThrow, memory, toDevice, type DeviceName, type Tensor } from '@mmada/tensor';
import type { RgbImage } from '@mmada/image';
import { readPng, readImage } from '@mmada/image/node';
import {
  decodeImageTokens, disposeImageTokenizer, encodeImages, encodeLatents, imagesToTensor, loadImageTokenizer, resizeAndCenterCrop, type
  LoadedImageTokenizer
} from '@mmada/mmada';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

let device: DeviceName;
let tokenizer: LoadedImageTokenizer;
let expected: Record<string, Tensor>;

async function png(name: string): Promise<RgbImage> {
  const img = await readPng(`${fixtures}${name}`);
  if (E.isLeft(img)) throw new Error(img.left);
  return img.right;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

beforeAll(async () => {
  device = await init({ device: deviceFromEnv() ?? 'cpu' });
  const loaded = await loadImageTokenizer(`${fixtures}tiny-tokenizer`, { device })();
  if (E.isLeft(loaded)) throw loaded.left;
  tokenizer = loaded.right;
  expected = await loadSafetensorsOrThrow(`${fixtures}expected.safetensors`, { device: 'cpu' });
});

afterAll(() => {
  disposeImageTokenizer(tokenizer);
  dispose(Object.values(expected));
});

describe('MAGVIT-v2 tokenizer vs the PyTorch reference', () => {
  it('encodes the test images to the same latents and token ids', async () => {
    const before = memory().tensors;
    const images = imagesToTensor([await png('input-0.png'), await png('input-1.png')], { device });
    const z = encodeLatents(tokenizer, images);
    const ids = encodeImages(tokenizer, images);
    const want = (await expected.latents!.data()) as Float32Array;
    const got = (await z.data()) as Float32Array;
    expect(z.shape).toEqual(expected.latents!.shape);
    const err = maxAbsDiff(got, want);
    const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(err).toBeLessThan(1e-4 * Math.max(1, scale));
    // Every latent is farther from 0 than the error, so every sign (and so every id) must agree.
    expect(want.reduce((m, v) => Math.min(m, Math.abs(v)), Infinity)).toBeGreaterThan(10 * err);
    expect(ids.shape).toEqual([2, 16]);
    expect(Array.from(await ids.data())).toEqual(Array.from(await expected.ids!.data()));
    console.log(`latents: max |Δ| ${err.toExponential(2)} (max |z| ${scale.toFixed(3)}) on ${device}`);
    dispose([images, z, ids]);
    expect(memory().tensors).toBe(before);
  });

  it('decodes a non-square 2×3 token grid to the same pixels', async () => {
    const ids = await toDevice(expected.decode_ids!, device);
    const out = decodeImageTokens(tokenizer, ids, [2, 3]);
    expect(out.shape).toEqual([2, 3, 32, 48]);
    const want = (await expected.decoded!.data()) as Float32Array;
    const err = maxAbsDiff((await out.data()) as Float32Array, want);
    expect(err).toBeLessThan(1e-4);
    console.log(`decoded pixels: max |Δ| ${err.toExponential(2)} on ${device}`);
    dispose([ids, out]);
  });

  it('resizes the shorter side (bicubic) and center-crops exactly as Pillow + torchvision', async () => {
    const photo = await readImage(`${fixtures}photo.png`);
    if (E.isLeft(photo)) throw new Error(photo.left);
    expect([photo.right.width, photo.right.height]).toEqual([84, 56]);
    const mine = resizeAndCenterCrop(photo.right, 32);
    const pillow = await png('photo-32.png');
    expect([mine.width, mine.height]).toEqual([32, 32]);
    expect(Array.from(mine.data)).toEqual(Array.from(pillow.data));
  });
});
