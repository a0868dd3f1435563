/**
 * The recipe's --vq-* choices: what config and objective they give, how flags are refused, and a small training
 * run of the downsampling-8 / 10-bit / L2 recipe whose logged loss is the objective those flags name.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeImageTokenizer, encodeImages, imagesToTensor } from '@mmada/mmada';
import { deviceFromEnv, init, scope } from '@mmada/tensor';
import { renderScene } from '@mmada/eval';
import { shapesWorldVqSetup } from '../src/recipe/image-tokenizer-options.js';
import { vqSetupFromFlags } from '../src/recipe/image-tokenizer-flags.js';
import { sceneBatch, shapesWorldTrainScenes, trainShapesWorldImageTokenizer, SHAPESWORLD_VQ_CONFIG, SHAPESWORLD_VQ_LOSS, SHAPESWORLD_VQ16_CONFIG, SHAPESWORLD_VQ16_LOSS } from '../src/recipe/image-tokenizer-stage.js';
import { UsageError } from '../src/usage-error.js';

const device = deviceFromEnv() ?? 'cpu';
const root = mkdtempSync(join(tmpdir(), 'mmada-vq-options-'));
beforeAll(async () => {
  await init({ device });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('shapesWorldVqSetup', () => {
  it("keeps the recipe's config and objective (×8, 10 bits, L2, λ 0.1) when nothing is chosen", () => {
    const r = shapesWorldVqSetup({});
    expect(r).toEqual({ ok: true, setup: { config: SHAPESWORLD_VQ_CONFIG, loss: SHAPESWORLD_VQ_LOSS } });
    expect(SHAPESWORLD_VQ_CONFIG.encoderChMult).toEqual([1, 1, 2, 2]);
    expect(SHAPESWORLD_VQ_CONFIG.bits).toBe(10);
    expect([SHAPESWORLD_VQ_LOSS.reconstruction, SHAPESWORLD_VQ_LOSS.entropyWeight]).toEqual(['l2', 0.1]);
  });

  it('gives encoder and decoder the chosen levels with one block each, and the chosen weights', () => {
    const r = shapesWorldVqSetup({ ch: 8, mult: [1, 1, 2, 2], bits: 10, rec: 'l2', beta: 0.2, lam: 0.1, gam: 2 });
    if (!r.ok) throw new Error(r.problems.join('; '));
    expect(r.setup.config).toEqual({
      ...SHAPESWORLD_VQ_CONFIG, ch: 8, bits: 10, encoderChMult: [1, 1, 2, 2], decoderChMult: [1, 1, 2, 2], encoderNumResBlocks: [1, 1, 1, 1], decoderNumResBlocks: [1, 1, 1, 1],
    });
    expect(r.setup.loss).toEqual({ reconstruction: 'l2', commitmentWeight: 0.2, entropyWeight: 0.1, diversityWeight: 2, codebookEntropy: 'exact' });
  });

  it('says why a choice is unusable', () => {
    const groups = shapesWorldVqSetup({ ch: 12 });
    expect(groups.ok).toBe(false);
    if (!groups.ok) expect(groups.problems.join(' ')).toMatch(/normGroups 8 does not divide the 12 channels/);
    const bits = shapesWorldVqSetup({ bits: 17 });
    expect(bits.ok).toBe(false);
    if (!bits.ok) expect(bits.problems.join(' ')).toMatch(/bits must be ≤ 16, got 17/);
  });
});

describe('vqSetupFromFlags', () => {
  it('sets only what a flag names', () => {
    expect(vqSetupFromFlags({})).toEqual({});
    expect(vqSetupFromFlags({ 'vq-lr': '5e-3' })).toEqual({ learningRate: 5e-3 });
    const arch = vqSetupFromFlags({ 'vq-mult': '1,1,2,2', 'vq-bits': '10' });
    expect(arch.loss).toBeUndefined();
    expect(arch.config?.encoderChMult).toEqual([1, 1, 2, 2]);
    expect(arch.config?.bits).toBe(10);
    const objective = vqSetupFromFlags({ 'vq-rec': 'l2', 'vq-lam': '0.1' });
    expect(objective.config).toBeUndefined();
    expect(objective.loss).toEqual({ ...SHAPESWORLD_VQ_LOSS, reconstruction: 'l2', entropyWeight: 0.1 });
  });

  it("the flags the usage text gives for the shipped model's tokenizer select SHAPESWORLD_VQ16_CONFIG and SHAPESWORLD_VQ16_LOSS", () => {
    expect(vqSetupFromFlags({ 'vq-mult': '1,1,2,2,4', 'vq-bits': '6', 'vq-rec': 'l1', 'vq-lam': '0.05' })).toEqual({ config: SHAPESWORLD_VQ16_CONFIG, loss: SHAPESWORLD_VQ16_LOSS });
  });

  it('refuses bad values with a usage error naming the flag', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ 'vq-rec': 'l3' }, /--vq-rec expects one of l1, l2/],
      [{ 'vq-mult': '1,x' }, /--vq-mult expects comma-separated/],
      [{ 'vq-bits': '0' }, /--vq-bits expects an integer ≥ 1/],
      [{ 'vq-lam': '-1' }, /--vq-lam expects a number ≥ 0/],
      [{ 'vq-lr': '0' }, /--vq-lr must be > 0/],
      [{ 'vq-ch': '12' }, /unusable tokenizer: normGroups 8/],
    ];
    for (const [flags, message] of cases) {
      expect(() => vqSetupFromFlags(flags)).toThrow(UsageError);
      expect(() => vqSetupFromFlags(flags)).toThrow(message);
    }
  });
});

describe('the downsampling-8 recipe at a small size', () => {
  it('trains a 4×4-token, 10-bit tokenizer whose logged loss is L2 + 0.05·commitment + 0.1·(H_sample − H_codebook)', async () => {
    const { config, loss } = vqSetupFromFlags({ 'vq-ch': '8', 'vq-mult': '1,1,2,2', 'vq-bits': '10', 'vq-rec': 'l2', 'vq-lam': '0.1' });
    const steps = 10;
    const r = await trainShapesWorldImageTokenizer({ out: join(root, 'ds8'), steps, batch: 2, pool: 200, device, config: { ...config!, normGroups: 4 }, loss });
    expect(r.step).toBe(steps);
    for (const e of r.history) {
      const expected = e.reconstruction + 0.05 * e.commitment + 0.1 * (e.sampleEntropy - e.codebookEntropy);
      expect(e.loss).toBeCloseTo(expected, 5);
    }
    // The L2 reconstruction of a fresh decoder on mostly white canvases starts near 1; the
    // first steps learn the background.
    const recon = r.history.map((e) => e.reconstruction);
    expect(recon[steps - 1]!).toBeLessThan(0.5 * recon[0]!);
    const ids = await scope(async () => {
      const x = imagesToTensor(sceneBatch(shapesWorldTrainScenes(200), 0, 2).map(renderScene), { device });
      const t = encodeImages(r.tokenizer, x);
      return { shape: [...t.shape], values: [...((await t.data()) as Int32Array)] };
    });
    expect(ids.shape).toEqual([2, 16]);
    expect(ids.values.every((v) => v >= 0 && v < 1024)).toBe(true);
    disposeImageTokenizer(r.tokenizer);
  });
});
