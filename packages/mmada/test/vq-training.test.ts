/**
 * Training a tiny LFQ tokenizer with @mmada/autograd on synthetic coloured-square images: the reconstruction
 * error falls well below the untrained tokenizer's, and re-encoding decoded tokens mostly gives the same tokens.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { adam } from '@mmada/autograd';
import { dispose, init, key, memory, scope, eq, mean, cast, abs, sub, tensor, type Tensor } from '@mmada/tensor';
import { createImage, type RgbImage } from '@mmada/image';
import { rng } from '../../../tests/support/rng.js';
import {
  decodeImageTokens, encodeImages, imagesToTensor, initImageTokenizer, lfqCodes, lfqEntropies, tokenizerLoss, tokenizerTrainStep, vqConfig,
  type ImageTokenizer, type VqConfig,
} from '@mmada/mmada';

/** 2× downsampling, 6 bits: 8×8 images become 4×4 grids of 64-code tokens. */
const CONFIG: VqConfig = vqConfig({
  ch: 8, encoderChMult: [1, 2], encoderNumResBlocks: [1, 1], decoderChMult: [1, 2], decoderNumResBlocks: [1, 1], bits: 6, normGroups: 4,
});
const SIDE = 8;

const COLOURS: Array<[number, number, number]> = [[230, 40, 40], [40, 200, 60], [50, 80, 230], [240, 220, 40], [200, 60, 220], [40, 210, 220]];
const BACKGROUNDS: Array<[number, number, number]> = [[255, 255, 255], [128, 128, 128], [20, 20, 20], [250, 200, 150]];

/** An 8×8 image: one of 4 backgrounds with one solid square of side 3–5 in one of 6 colours (a tiny ShapesWorld). */
function squares(seed: number): RgbImage {
  const random = rng(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const img = createImage(SIDE, SIDE, BACKGROUNDS[pick(BACKGROUNDS.length)]!);
  const size = 3 + pick(3);
  const x0 = pick(SIDE - size + 1), y0 = pick(SIDE - size + 1);
  const colour = COLOURS[pick(COLOURS.length)]!;
  for (let y = y0; y < y0 + size; y++) for (let x = x0; x < x0 + size; x++) img.data.set(colour, (y * SIDE + x) * 3);
  return img;
}

async function reconstructionL1(tok: ImageTokenizer, images: Tensor): Promise<number> {
  return scope(async () => {
    const ids = encodeImages(tok, images);
    const out = decodeImageTokens(tok, ids, [4, 4]);
    return mean(abs(sub(out, images))).item();
  });
}

beforeAll(async () => {
  await init({ device: 'cpu' });
});

describe('tokenizer training', () => {
  it('the exact and per-bit entropies agree on the per-sample part', async () => {
    await scope(async () => {
      const z = tensor(Array.from({ length: 2 * 6 * 2 * 2 }, (_, i) => Math.sin(i * 1.7) * 1.5), [2, 6, 2, 2]);
      const perBit = lfqEntropies(z);
      const exact = lfqEntropies(z, { codebookEntropy: 'exact' });
      expect(await exact.sample.item()).toBeCloseTo(await perBit.sample.item(), 5);
      // The entropy of the mean joint distribution is at most that of the product of its marginals.
      expect(await exact.codebook.item()).toBeLessThanOrEqual((await perBit.codebook.item()) + 1e-6);
      expect(await exact.codebook.item()).toBeGreaterThan(0);
    });
  });

  it('reconstruction error of a trained tiny tokenizer falls well below an untrained one', async () => {
    const heldOut = imagesToTensor(Array.from({ length: 16 }, (_, i) => squares(100_000 + i)));
    let tok = initImageTokenizer(CONFIG, key(0));
    const untrained = await reconstructionL1(tok, heldOut);

    // A fresh batch of 8 images every step; a small commitment weight (β = 0.25 collapses this tiny model to one code).
    const optimizer = adam(1e-2);
    let state = optimizer.init(tok.params);
    const step = tokenizerTrainStep(CONFIG, optimizer, { reconstruction: 'l1', commitmentWeight: 0.02, entropyWeight: 0.05, codebookEntropy: 'exact' });
    const live = memory().tensors;
    const t0 = Date.now();
    let first = 0, last = 0;
    const steps = 100;
    for (let i = 0; i < steps; i++) {
      const batch = imagesToTensor(Array.from({ length: 8 }, (_, j) => squares(i * 8 + j)));
      const r = await step(tok.params, state, batch);
      batch.dispose();
      tok = { config: CONFIG, params: r.params };
      state = r.state;
      if (i === 0) first = r.parts.reconstruction;
      last = r.parts.reconstruction;
      if (i === 0) expect(memory().tensors).toBe(live); // a step leaks nothing
    }
    const seconds = (Date.now() - t0) / 1000;
    const trained = await reconstructionL1(tok, heldOut);
    console.log(`untrained L1 ${untrained.toFixed(4)}, training L1 ${first.toFixed(4)} → ${last.toFixed(4)}, held-out L1 ${trained.toFixed(4)} after ${steps} steps (${seconds.toFixed(1)} s)`);
    expect(trained).toBeLessThan(untrained * 0.7);

    // encode(decode(ids)) = ids on held-out images' tokens.
    const [agreement, bitAgreement, distinct] = await scope(async () => {
      const ids = encodeImages(tok, heldOut);
      const again = encodeImages(tok, decodeImageTokens(tok, ids, [4, 4]));
      const bits = mean(cast(eq(lfqCodes(ids, [4, 4], CONFIG.bits), lfqCodes(again, [4, 4], CONFIG.bits)), 'f32'));
      return [await mean(cast(eq(ids, again), 'f32')).item(), await bits.item(), new Set(await ids.data()).size];
    });
    console.log(
      `encode(decode(ids)) = ids for ${(agreement * 100).toFixed(1)}% of held-out tokens, ${(bitAgreement * 100).toFixed(1)}% of their bits (${distinct} distinct codes used)`,
    );
    expect(bitAgreement).toBeGreaterThan(0.75);
    expect(agreement).toBeGreaterThan(0.4);
    dispose([heldOut, tok.params, state]);
  });

  it('the loss differentiates through the straight-through estimator', async () => {
    await scope(async () => {
      const tok = initImageTokenizer(CONFIG, key(3));
      const images = imagesToTensor([squares(7), squares(8)]);
      const [loss, parts] = tokenizerLoss(tok.params, CONFIG, images);
      expect(Number.isFinite(await loss.item())).toBe(true);
      expect(await parts.commitment.item()).toBeGreaterThan(0);
      dispose(tok.params);
    });
  });
});
