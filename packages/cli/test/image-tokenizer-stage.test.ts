/**
 * The image-tokenizer stage of the mmada-tiny recipe: training scenes never include a held-out reference
 * scene, batches are a pure function of (seed, step), a ShapesWorld run resumes exactly, the held-out
 * evaluation rejects an untrained tokenizer's reconstructions, and the shipped tokenizer reproduces its recorded verdicts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { deviceFromEnv, init, key } from '@mmada/tensor';
import { disposeImageTokenizer, initImageTokenizer, loadImageTokenizer, vqConfig, VQ_WEIGHTS_FILE_NAME } from '@mmada/mmada';
import { generateShapesWorld, renderScene, verifyT2I } from '@mmada/eval';
import {
  evaluateImageTokenizer, reconstructImages, sceneBatch, shapesWorldTrainScenes, trainShapesWorldImageTokenizer, SHAPESWORLD_VQ_CONFIG,
} from '../src/recipe/image-tokenizer-stage.js';

const device = deviceFromEnv() ?? 'cpu';
const root = mkdtempSync(join(tmpdir(), 'mmada-vq-stage-'));
const SHIPPED = join(import.meta.dirname, '../../../models/mmada-tiny/vq');

beforeAll(async () => {
  await init({ device });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sceneKey = (s: { objects: readonly { row: number; col: number; shape: string; color: string }[] }) =>
  JSON.stringify([...s.objects].sort((a, b) => a.row - b.row || a.col - b.col).map((o) => [o.row, o.col, o.shape, o.color]));

describe('ShapesWorld image tokenizer stage', () => {
  it('trains on train-split scenes only, drawn per step from a seed', () => {
    const scenes = shapesWorldTrainScenes(300);
    const test = new Set(generateShapesWorld('t2i', { split: 'test', count: 600 }).map((r) => sceneKey(r.scene)));
    // Single-object t2i scenes are few (4 cells × 30) and mostly held out, so some of the 600 records are dropped.
    expect(scenes.length).toBeGreaterThan(450);
    expect(scenes.some((s) => test.has(sceneKey(s)))).toBe(false);
    const a = sceneBatch(scenes, 7, 16, 3);
    expect(sceneBatch(scenes, 7, 16, 3)).toEqual(a);
    expect(sceneBatch(scenes, 8, 16, 3)).not.toEqual(a);
    expect(sceneBatch(scenes, 7, 16, 4)).not.toEqual(a);
    // Every cell state occurs in the pool: empty, and each shape in each colour at each cell.
    const states = new Set(scenes.flatMap((s) => s.objects.map((o) => `${o.row}${o.col}${o.shape}${o.color}`)));
    expect(states.size).toBe(4 * 5 * 6);
  });

  it('a run resumed from its checkpoint continues with the losses of an uninterrupted run', async () => {
    const small = vqConfig({ ...SHAPESWORLD_VQ_CONFIG, ch: 8, normGroups: 4 });
    const common = { steps: 3, batch: 2, seed: 5, device, config: small, pool: 200, checkpointEvery: 1 };
    const whole = await trainShapesWorldImageTokenizer({ ...common, out: join(root, 'whole') });
    const lines: string[] = [];
    const stop = new AbortController();
    const dir = join(root, 'split');
    const first = await trainShapesWorldImageTokenizer({
      ...common, out: dir, signal: stop.signal, progressEvery: 1, onProgress: (line, p) => {
        lines.push(line);
        if (p.step === 2) stop.abort();
      },
    });
    expect(first.step).toBe(2);
    expect(lines[0]).toMatch(/^image tokenizer step 1\/3 loss \d+\.\d{4} \(recon /);
    const second = await trainShapesWorldImageTokenizer({ ...common, out: dir, resume: true });
    expect(second.startStep).toBe(2);
    expect([...first.losses, ...second.losses]).toEqual(whole.losses);
    expect(existsSync(join(dir, VQ_WEIGHTS_FILE_NAME))).toBe(true);
    for (const r of [whole, first, second]) disposeImageTokenizer(r.tokenizer);
  });

  it('an untrained tokenizer fails the held-out check; the reference images pass it', async () => {
    const vq = initImageTokenizer(SHAPESWORLD_VQ_CONFIG, key(0), { device });
    const r = await evaluateImageTokenizer(vq, { count: 12 });
    expect(r.count).toBe(12);
    expect(r.referenceAcceptance).toBe(1);
    // An untrained decoder draws no scene (a near-uniform canvas passes a prompt only by accident, e.g. one whole
    // square of a colour), far below the bar.
    expect(r.accepted).toBeLessThanOrEqual(3);
    expect(r.failures).toHaveLength(12 - r.accepted);
    expect(r.failures.every((f) => f.reasons.length > 0 && f.prompt.length > 0)).toBe(true);
    expect(r.paletteAccuracy).toBeLessThan(0.9);
    disposeImageTokenizer(vq);
  });

  it.runIf(existsSync(join(SHIPPED, VQ_WEIGHTS_FILE_NAME)))('the shipped tokenizer gives the verdicts its evaluation.json records', async () => {
    const loaded = await loadImageTokenizer(SHIPPED, { device })();
    if (E.isLeft(loaded)) throw loaded.left;
    const vq = loaded.right;
    // the shipped model's tokenizer is the recipe's (×8, 10 bits)
    expect(vq.config).toEqual(SHAPESWORLD_VQ_CONFIG);
    const recorded = JSON.parse(readFileSync(join(SHIPPED, 'evaluation.json'), 'utf8')) as { count: number; accepted: number; failures: Array<{ id: string }> };
    expect(recorded.count).toBe(600);
    expect(recorded.failures).toHaveLength(recorded.count - recorded.accepted);
    const n = 24;
    const r = await evaluateImageTokenizer(vq, { count: n });
    const recordedFailures = new Set(recorded.failures.map((f) => f.id));
    const ids = generateShapesWorld('t2i', { split: 'test', count: n }).map((rec) => rec.id);
    const now = new Set(r.failures.map((f) => f.id));
    // The record was made on the training device; another device may flip a borderline image.
    expect(ids.filter((id) => now.has(id) !== recordedFailures.has(id)).length).toBeLessThanOrEqual(1);
    // Reconstructing one image alone gives the batched evaluation's verdict.
    const [rec] = generateShapesWorld('t2i', { split: 'test', count: 1 });
    const [img] = await reconstructImages(vq, [renderScene(rec!.scene)]);
    expect(verifyT2I(img!, rec!.prompt).correct).toBe(!now.has(rec!.id));
    disposeImageTokenizer(vq);
  });
});
