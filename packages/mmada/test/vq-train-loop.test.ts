/**
 * trainImageTokenizer: the loss falls on a fixed batch, the run directory holds a loadable tokenizer, a run
 * stopped half-way and resumed gives bit for bit the losses and parameters of an uninterrupted one, nothing
 * leaks, and a checkpoint of another architecture is refused.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { deviceFromEnv, dispose, init, memory, type Tensor } from '@mmada/tensor';
import { createImage, type RgbImage } from '@mmada/image';
import {
  disposeImageTokenizer, flattenVqParameters, imagesToTensor, loadImageTokenizer, saveImageTokenizer, trainImageTokenizer, vqConfig, IMAGE_TOKENIZER_LOSS_LOG_FILE,
  VQ_WEIGHTS_FILE_NAME,
  type ImageTokenizerLossEntry, type TrainImageTokenizerOptions, type VqConfig,
} from '@mmada/mmada';

const device = deviceFromEnv() ?? 'cpu';
/** Two levels (×2 downsampling), 4 bits: 8×8 images are 4×4 grids of 16-code tokens. */
const CONFIG: VqConfig = vqConfig({
  ch: 8, encoderChMult: [1, 2], encoderNumResBlocks: [1, 1], decoderChMult: [1, 2], decoderNumResBlocks: [1, 1], bits: 4, normGroups: 4,
});
const root = mkdtempSync(join(tmpdir(), 'mmada-vq-train-'));

/** An 8×8 white image with a coloured square whose place and colour depend on i. */
function square(i: number): RgbImage {
  const img = createImage(8, 8, [255, 255, 255]);
  const colours: Array<[number, number, number]> = [[220, 40, 40], [40, 170, 60], [40, 80, 220], [240, 210, 40]];
  const x0 = i % 4, y0 = (i >> 2) % 4;
  for (let y = y0; y < y0 + 4; y++) for (let x = x0; x < x0 + 4; x++) img.data.set(colours[i % colours.length]!, (y * 8 + x) * 3);
  return img;
}

const batches = (step: number): Tensor => imagesToTensor([0, 1, 2, 3].map((j) => square(step * 4 + j)), { device });
const LOSS = { reconstruction: 'l1', commitmentWeight: 0.05, entropyWeight: 0.05, codebookEntropy: 'exact' } as const;

async function values(params: unknown): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(flattenVqParameters(params as never))) out[name] = Array.from((await t.data()) as Float32Array);
  return out;
}

beforeAll(async () => {
  await init({ device });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('trainImageTokenizer', () => {
  it('lowers the loss on a fixed batch over a few steps and leaks nothing', async () => {
    const before = memory().tensors;
    const r = await trainImageTokenizer(CONFIG, () => batches(0), { steps: 6, learningRate: 1e-2, warmupSteps: 0, loss: LOSS, seed: 1, device })();
    if (E.isLeft(r)) throw r.left;
    const { losses, tokenizer } = r.right;
    expect(losses).toHaveLength(6);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[5]!).toBeLessThan(losses[0]! * 0.9);
    // Only the returned parameters remain alive.
    expect(memory().tensors).toBe(before + Object.keys(flattenVqParameters(tokenizer.params)).length);
    disposeImageTokenizer(tokenizer);
    expect(memory().tensors).toBe(before);
  });

  it('a stopped run resumed from its checkpoint reproduces the uninterrupted run bit for bit', async () => {
    const common: TrainImageTokenizerOptions = { steps: 4, learningRate: 5e-3, warmupSteps: 1, loss: LOSS, seed: 2, device, checkpointEvery: 100 };
    const whole = await trainImageTokenizer(CONFIG, batches, { ...common, out: join(root, 'whole') })();
    if (E.isLeft(whole)) throw whole.left;

    const dir = join(root, 'split');
    const stop = new AbortController();
    const first = await trainImageTokenizer(CONFIG, batches, { ...common, out: dir, signal: stop.signal, onProgress: (p) => (p.step === 2 ? stop.abort() : undefined) })();
    if (E.isLeft(first)) throw first.left;
    expect(first.right.stopped).toBe(true);
    expect(first.right.step).toBe(2);
    disposeImageTokenizer(first.right.tokenizer);

    const second = await trainImageTokenizer(CONFIG, batches, { ...common, out: dir, resume: true })();
    if (E.isLeft(second)) throw second.left;
    expect(second.right.startStep).toBe(2);
    expect(second.right.step).toBe(4);
    expect([...first.right.losses, ...second.right.losses]).toEqual(whole.right.losses);
    expect(await values(second.right.tokenizer.params)).toEqual(await values(whole.right.tokenizer.params));

    // The loss log describes one run of 4 steps, with the loss parts.
    const log = readFileSync(join(dir, IMAGE_TOKENIZER_LOSS_LOG_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ImageTokenizerLossEntry);
    expect(log.map((e) => e.step)).toEqual([1, 2, 3, 4]);
    expect(log.map((e) => e.loss)).toEqual(whole.right.losses);
    expect(log[0]!.tokens).toBe(4 * 16);
    expect(log.every((e) => e.reconstruction > 0 && e.reconstruction < e.loss + 1)).toBe(true);

    // The run directory is a tokenizer directory: it loads, with the trained parameters.
    const loaded = await loadImageTokenizer(dir, { device })();
    if (E.isLeft(loaded)) throw loaded.left;
    expect(loaded.right.config).toEqual(CONFIG);
    expect(await values(loaded.right.params)).toEqual(await values(whole.right.tokenizer.params));
    dispose([loaded.right.params, whole.right.tokenizer.params, second.right.tokenizer.params]);
  });

  it('a trained tokenizer saved as F16 loads back to the f16-rounded weights in half the bytes', async () => {
    const r = await trainImageTokenizer(CONFIG, batches, { steps: 1, loss: LOSS, device })();
    if (E.isLeft(r)) throw r.left;
    const tok = r.right.tokenizer;
    const [d32, d16] = [join(root, 'f32'), join(root, 'f16')];
    for (const [dir, dtype] of [[d32, 'F32'], [d16, 'F16']] as const) {
      const saved = await saveImageTokenizer(dir, tok, { dtype })();
      if (E.isLeft(saved)) throw saved.left;
    }
    const bytes = (dir: string) => statSync(join(dir, VQ_WEIGHTS_FILE_NAME)).size;
    expect(bytes(d16)).toBeLessThan(bytes(d32) * 0.6);
    const loaded = await loadImageTokenizer(d16, { device })();
    if (E.isLeft(loaded)) throw loaded.left;
    const [want, got] = [await values(tok.params), await values(loaded.right.params)];
    for (const name of Object.keys(want)) {
      // f16 keeps 11 significant bits: relative error ≤ 2^-11 (values here are far above f16's subnormals).
      want[name]!.forEach((v, i) => expect(Math.abs(got[name]![i]! - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 1e-7));
    }
    expect(Object.values(got).flat().some((v, i) => v !== Object.values(want).flat()[i])).toBe(true);
    disposeImageTokenizer(tok);
    disposeImageTokenizer(loaded.right);
  });

  it('refuses to resume a checkpoint of another architecture, and frees what it made', async () => {
    const dir = join(root, 'other');
    const r = await trainImageTokenizer(CONFIG, batches, { steps: 1, loss: LOSS, device, out: dir })();
    if (E.isLeft(r)) throw r.left;
    disposeImageTokenizer(r.right.tokenizer);
    const before = memory().tensors;
    const wider = vqConfig({ ...CONFIG, ch: 16 });
    const again = await trainImageTokenizer(wider, batches, { steps: 2, loss: LOSS, device, out: dir, resume: true })();
    expect(E.isLeft(again)).toBe(true);
    if (E.isLeft(again)) expect(again.left.message).toMatch(/cannot resume .*encoder\.conv_in\.weight is 8x3x3x3 there, 16x3x3x3 in this tokenizer/);
    expect(memory().tensors).toBe(before);
  });
});
