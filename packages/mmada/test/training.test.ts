import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceFromEnv, init, key, memory } from '@mmada/tensor';
import {
  createModel, disposeModel, flattenParameters, loadModel, LOSS_LOG_FILE, MODEL_ZOO, readLossLog, sftBatch, sftBatchSource, trainSft,
  TRAINING_CHECKPOINT_DIR, type SftExample, type TrainSftOptions,
} from '@mmada/mmada';

const config = MODEL_ZOO['mmada-tiny'];
const EOS = config.eosTokenId;
const BOS = config.bosTokenId;
let device: 'cpu' | 'webgpu';
const root = mkdtempSync(join(tmpdir(), 'mmada-train-'));

/** A small fixed task: prompt BOS a b c, answer: the three tokens reversed then each + 1. */
const EXAMPLES: SftExample[] = Array.from({ length: 16 }, (_, i) => {
  const a = 40 + ((i * 7) % 50), b = 100 + ((i * 11) % 60), c = 180 + ((i * 5) % 70);
  return { prompt: [BOS, a, b, c], answer: [c, b, a, a + 1, b + 1, c + 1] };
});
const source = sftBatchSource(EXAMPLES, { batchSize: 8, eosId: EOS, seed: 3, length: 12 });

beforeAll(async () => {
  device = await init({ device: deviceFromEnv() ?? 'cpu' });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const train = async (seed: number, options: TrainSftOptions) => {
  const r = await trainSft(createModel(config, key(seed), { device }), source, options)();
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

describe('sftBatch', () => {
  it('lays rows out as prompt, answer, EOS padding (counted as answer), as upstream SFT', () => {
    const b = sftBatch([{ prompt: [1, 2, 3], answer: [7] }, { prompt: [1, 2], answer: [8, 9, 10] }], { eosId: 0 });
    expect(b.ids).toEqual([[1, 2, 3, 7, 0], [1, 2, 8, 9, 10]]);
    expect(b.promptLengths).toEqual([3, 2]);
    expect(b.padMask).toBeUndefined();
  });
  it('left-aligns prompts with masked PAD when asked, cuts long answers, rejects prompts that fill a row', () => {
    const b = sftBatch([{ prompt: [1, 2, 3], answer: [7] }, { prompt: [1], answer: [8, 9] }], { eosId: 0, padId: 5, alignPrompts: true, length: 5 });
    expect(b.ids).toEqual([[1, 2, 3, 7, 0], [5, 5, 1, 8, 9]]);
    expect(b.promptLengths).toEqual([3, 3]);
    expect(b.padMask).toEqual([[1, 1, 1, 1, 1], [0, 0, 1, 1, 1]]);
    expect(sftBatch([{ prompt: [1, 2], answer: [3, 4, 5, 6] }], { eosId: 0, length: 4 }).ids).toEqual([[1, 2, 3, 4]]);
    expect(() => sftBatch([{ prompt: [1, 2, 3, 4], answer: [5] }], { eosId: 0, length: 4 })).toThrow(/no room/);
  });
  it('shuffles deterministically, one permutation per epoch', async () => {
    const s = sftBatchSource(EXAMPLES, { batchSize: 4, eosId: EOS, seed: 1 });
    const epoch = (await Promise.all([0, 1, 2, 3].map(s))).flatMap((b) => b.ids.map((r) => r[1]));
    expect(new Set(epoch).size).toBe(16);
    expect((await s(2)).ids).toEqual((await sftBatchSource(EXAMPLES, { batchSize: 4, eosId: EOS, seed: 1 })(2)).ids);
    expect((await s(4)).ids).not.toEqual((await s(0)).ids);
  });
});

describe('trainSft', () => {
  it('lowers the SFT loss of a tiny model clearly, and leaves memory() unchanged step after step', async () => {
    const before = memory();
    const live: number[] = [];
    const bytes: number[] = [];
    const r = await train(0, { steps: 50, learningRate: 1e-2, warmupSteps: 5, onStep: () => void (live.push(memory().tensors), bytes.push(memory().bytes)) });
    const first = r.losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = r.losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(first).toBeGreaterThan(4.5); // ≈ ln 320 at random init
    expect(last).toBeLessThan(0.6 * first);
    expect(new Set(live).size).toBe(1);
    expect(new Set(bytes).size).toBe(1);
    disposeModel(r.model);
    expect(memory()).toEqual(before);
  });

  it('resumes from a checkpoint with exactly the losses and weights of an uninterrupted run', async () => {
    const base = { steps: 12, learningRate: 5e-3, warmupSteps: 3, seed: 7, checkpointEvery: 4 } as const;
    const whole = await train(0, { ...base, out: join(root, 'whole') });
    const controller = new AbortController();
    const cut = await train(0, { ...base, out: join(root, 'cut'), signal: controller.signal, onStep: (i) => void (i.step === 6 && controller.abort()) });
    expect(cut.stopped).toBe(true);
    expect(cut.step).toBe(6);
    disposeModel(cut.model);
    // A different initialisation proves the weights come from the checkpoint.
    const resumed = await train(99, { ...base, out: join(root, 'cut'), resume: true });
    expect(resumed.startStep).toBe(6);
    expect(resumed.losses).toEqual(whole.losses.slice(6));
    expect(resumed.history.map((h) => h.loss)).toEqual(whole.losses);
    expect((await readLossLog(join(root, 'cut', LOSS_LOG_FILE))).map((h) => h.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const a = flattenParameters(whole.model.params);
    const b = flattenParameters(resumed.model.params);
    for (const name of Object.keys(a)) expect(Array.from(await b[name]!.data())).toEqual(Array.from(await a[name]!.data()));
    // The run directory is a model directory in the upstream layout holding the final weights.
    const loaded = await loadModel(join(root, 'cut'), { device })();
    if (E.isLeft(loaded)) throw loaded.left;
    const c = flattenParameters(loaded.right.params);
    for (const name of Object.keys(a)) expect(Array.from(await c[name]!.data())).toEqual(Array.from(await a[name]!.data()));
    expect(readFileSync(join(root, 'cut', 'loss.svg'), 'utf8')).toContain('<polyline');
    expect([...readFileSync(join(root, 'cut', 'loss.png')).subarray(0, 4)]).toEqual([137, 80, 78, 71]); // the PNG copy beside it
    expect(JSON.parse(readFileSync(join(root, 'cut', TRAINING_CHECKPOINT_DIR, 'latest.json'), 'utf8')).step).toBe(12);
    disposeModel(loaded.right);
    disposeModel(whole.model);
    disposeModel(resumed.model);
  });

  it('reports a checkpoint that does not fit the model as a Left and frees nothing of the caller', async () => {
    const other = createModel(MODEL_ZOO['mmada-small'], key(0), { device });
    const before = memory().tensors;
    const r = await trainSft(other, source, { steps: 12, out: join(root, 'whole'), resume: true })();
    expect(E.isLeft(r) && r.left.message).toMatch(/cannot resume .*tensor model\.transformer/);
    expect(memory().tensors).toBe(before);
    disposeModel(other);
  });
});

