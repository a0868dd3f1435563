import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeImageTokenizer, disposeModel, initImageTokenizer, loadModel, saveImageTokenizer, vqConfig } from '@mmada/mmada';
import { deviceFromEnv, ensureBackend, key } from '@mmada/tensor';
import { SHAPESWORLD_VQ16_CONFIG } from '../src/recipe/image-tokenizer-stage.js';
import { runRecipe, type RecipeOptions } from '../src/recipe/recipe.js';
import { architectureDifferences, architectureFromFlags } from '../src/recipe/architecture-flags.js';
import { MMADA_TINY_ARCHITECTURE } from '../src/recipe/recipe-config.js';
import { guidanceFlag } from '../src/commands/train-recipe.js';

const device = deviceFromEnv() ?? 'cpu';
const root = mkdtempSync(join(tmpdir(), 'mmada-recipe-'));
const vqDir = join(root, 'vq');

beforeAll(async () => {
  await ensureBackend(device);
  const vq = initImageTokenizer(SHAPESWORLD_VQ16_CONFIG, key(3), { device });
  const saved = await saveImageTokenizer(vqDir, vq)();
  disposeImageTokenizer(vq);
  if (E.isLeft(saved)) throw saved.left;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const options = (out: string, log: string[]): RecipeOptions => ({
  out,
  device,
  vq: vqDir,
  stage1: { steps: 2, batchSize: 2, learningRate: 1e-3 },
  stage2: { steps: 2, batchSize: 2, learningRate: 1e-3 },
  poolSize: { reasoning: 12, images: 12 },
  architecture: { dModel: 16, nHeads: 2, nLayers: 1, mlpHiddenSize: 32 },
  evalCount: 1,
  log: (l) => log.push(l),
});

describe('runRecipe', () => {
  it('runs both stages into a model directory with curves and scores, then skips them on a second run', async () => {
    const out = join(root, 'run');
    const log: string[] = [];
    const r = await runRecipe(options(out, log));
    expect(r.stopped).toBe(false);
    expect(r.stages.map((s) => s.stage)).toEqual(['stage1', 'stage2']);
    expect(r.table).toMatch(/\| stage1 \|/);
    for (const f of ['tokenizer.json', 'config.json', 'model.safetensors', 'recipe.json', 'vq/config.json', 'stage1/loss.jsonl', 'stage1/loss.svg', 'stage1/scores.json', 'stage2/scores.json', 'stage2/checkpoint/latest.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const scores = JSON.parse(readFileSync(join(out, 'stage2', 'scores.json'), 'utf8'));
    expect(scores.steps).toBe(2);
    expect(scores.scores.reasoning.n).toBe(1);
    const loaded = await loadModel(out, { device })();
    if (E.isLeft(loaded)) throw loaded.left;
    expect(loaded.right.config.codebookSize).toBe(64);
    disposeModel(loaded.right);

    const again: string[] = [];
    const r2 = await runRecipe(options(out, again));
    expect(again.filter((l) => l.includes('already trained'))).toHaveLength(2);
    expect(again.some((l) => l.includes('== data pools'))).toBe(false);
    expect(r2.table).toBe(r.table);

    // a finished stage of another size is refused, not continued from
    const wider = { ...options(out, []), architecture: { dModel: 24, nHeads: 2, nLayers: 1, mlpHiddenSize: 32 } };
    await expect(runRecipe(wider)).rejects.toThrow(/stage1[/\\]config\.json: this run's stage1 model has dModel 16 \(asked 24\); use another --out/);
  });

  it('chooses each stage\'s image guidance on validation prompts, records it, and reuses the choice', async () => {
    const out = join(root, 'guided');
    const log: string[] = [];
    await runRecipe({ ...options(out, log), captionDropout: 0.5, guidanceCandidates: [0, 2], traces: { understanding: 'lookup' } });
    for (const stage of ['stage1', 'stage2']) {
      const g = JSON.parse(readFileSync(join(out, stage, 'guidance.json'), 'utf8'));
      expect(g.candidates).toEqual([0, 2]);
      expect(g.trials.map((t: { guidanceScale: number; n: number }) => [t.guidanceScale, t.n])).toEqual([[0, 1], [2, 1]]);
      expect([0, 2]).toContain(g.chosen);
      expect(JSON.parse(readFileSync(join(out, stage, 'scores.json'), 'utf8')).sampling.guidanceScale).toBe(g.chosen);
    }
    const recipe = JSON.parse(readFileSync(join(out, 'recipe.json'), 'utf8'));
    expect(recipe.captionDropout).toBe(0.5);
    expect(recipe.traces).toEqual({ reasoning: 'plain', understanding: 'lookup' });
    expect(recipe.guidanceCandidates).toEqual([0, 2]);
    expect(recipe.sampling.guidanceScale).toBe(JSON.parse(readFileSync(join(out, 'stage2', 'guidance.json'), 'utf8')).chosen);
    expect(log.filter((l) => l.includes('choosing the image guidance'))).toHaveLength(2);
    const again: string[] = [];
    await runRecipe({ ...options(out, again), captionDropout: 0.5, guidanceCandidates: [0, 2], traces: { understanding: 'lookup' } });
    expect(again.some((l) => l.includes('choosing the image guidance') || l.includes('scoring'))).toBe(false);
  });

  it('runs stage 2 in legs exactly as continuing a finished run with new flags, recording each leg\'s options', async () => {
    const legs = join(root, 'legs');
    const byHand = join(root, 'by-hand');
    const quiet = { evalCount: 0 };
    const r = await runRecipe({ ...options(legs, []), ...quiet, stage2Legs: [{ until: 2 }, { until: 4, captionDropout: 0.5, traces: { understanding: 'lookup' } }] });
    expect(r.stages.map((s) => s.steps)).toEqual([2, 4]);
    await runRecipe({ ...options(byHand, []), ...quiet });
    await runRecipe({ ...options(byHand, []), ...quiet, stage2: { steps: 4, batchSize: 2, learningRate: 1e-3 }, captionDropout: 0.5, traces: { understanding: 'lookup' } });
    expect(readFileSync(join(legs, 'model.safetensors')).equals(readFileSync(join(byHand, 'model.safetensors')))).toBe(true);
    const lossOf = (dir: string) => readFileSync(join(dir, 'stage2', 'loss.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; lr: number });
    expect(lossOf(legs).map((e) => [e.step, e.lr])).toEqual(lossOf(byHand).map((e) => [e.step, e.lr]));
    const extra = JSON.parse(readFileSync(join(legs, 'stage2', 'checkpoint', 'step-4', 'trainer_state.json'), 'utf8')).extra;
    expect(extra).toMatchObject({ captionDropout: 0.5, traces: { reasoning: 'plain', understanding: 'lookup' } });
    const recorded = JSON.parse(readFileSync(join(legs, 'recipe.json'), 'utf8'));
    expect(recorded.stage2Legs).toHaveLength(2);
    // the top-level fields are the last leg's, as a run continued by hand records them
    const handRecorded = JSON.parse(readFileSync(join(byHand, 'recipe.json'), 'utf8'));
    expect({ captionDropout: recorded.captionDropout, traces: recorded.traces }).toEqual({ captionDropout: 0.5, traces: { reasoning: 'plain', understanding: 'lookup' } });
    expect({ captionDropout: handRecorded.captionDropout, traces: handRecorded.traces }).toEqual({ captionDropout: recorded.captionDropout, traces: recorded.traces });
    // a checkpoint past the last leg is refused, not silently kept
    await expect(runRecipe({ ...options(legs, []), ...quiet, stage2Legs: [{ until: 3 }] })).rejects.toThrow(/stage2[/\\]checkpoint: this run's stage2 checkpoint is at step 4, past the 3 steps asked/);
    await expect(runRecipe({ ...options(legs, []), stage2Legs: [{ until: 3 }, { until: 3 }] })).rejects.toThrow(/stage-2 leg 2: until must be an integer above 3, got 3/);
  });

  it('continues an image tokenizer it trained, re-judges it when its weights change, and uses a copied one as it is', async () => {
    const out = join(root, 'vq-resume');
    const acceptance = join(out, 'vq', 'acceptance.json');
    const stop = new AbortController();
    let calls = 0;
    // A stand-in trainer: writes a tokenizer and its checkpoint/ as trainImageTokenizer does; the first call is stopped.
    const trainImageTokenizer = async (dir: string) => {
      calls++;
      // ch 4 keeps the recipe's 200-image held-out check fast.
      const vq = initImageTokenizer(vqConfig({ ...SHAPESWORLD_VQ16_CONFIG, ch: 4, normGroups: 4 }), key(calls), { device });
      const saved = await saveImageTokenizer(dir, vq)();
      disposeImageTokenizer(vq);
      if (E.isLeft(saved)) throw saved.left;
      mkdirSync(join(dir, 'checkpoint'), { recursive: true });
      if (calls === 1) stop.abort();
    };
    const base: RecipeOptions = { ...options(out, []), vq: undefined, trainImageTokenizer, untilStage: 0 };
    const first = await runRecipe({ ...base, signal: stop.signal });
    expect(first.stopped).toBe(true);
    expect(existsSync(acceptance)).toBe(false);
    expect((await runRecipe(base)).stopped).toBe(false);
    expect(calls).toBe(2);
    const judged = statSync(acceptance).mtimeMs;
    await runRecipe(base);
    expect(calls).toBe(3);
    expect(statSync(acceptance).mtimeMs).toBeGreaterThan(judged);
    // Without a checkpoint/ the tokenizer is not this recipe's run: neither trained nor judged again.
    rmSync(join(out, 'vq', 'checkpoint'), { recursive: true });
    const rejudged = statSync(acceptance).mtimeMs;
    await runRecipe(base);
    expect(calls).toBe(3);
    expect(statSync(acceptance).mtimeMs).toBe(rejudged);
  });

  it('stops after the tokenizers with untilStage 0, and when its signal is aborted', async () => {
    const out = join(root, 'tokenizers');
    const r = await runRecipe({ ...options(out, []), untilStage: 0 });
    expect(r.stages).toEqual([]);
    expect(existsSync(join(out, 'tokenizer.json'))).toBe(true);
    expect(existsSync(join(out, 'stage1'))).toBe(false);

    const stopped = new AbortController();
    stopped.abort();
    const s = await runRecipe({ ...options(join(root, 'stopped'), []), signal: stopped.signal });
    expect(s.stopped).toBe(true);
    expect(existsSync(join(root, 'stopped', 'model.safetensors'))).toBe(false);
  });
});

describe('guidanceFlag', () => {
  it('reads one scale or a list of candidates and refuses what is out of range, empty or repeated', () => {
    expect(guidanceFlag(undefined)).toEqual([0]);
    expect(guidanceFlag('3.5')).toEqual([3.5]);
    expect(guidanceFlag('0, 1,3')).toEqual([0, 1, 3]);
    expect(() => guidanceFlag('-1')).toThrow(/got "-1"/);
    expect(() => guidanceFlag('1,,2')).toThrow(/got ""/);
    expect(() => guidanceFlag('101')).toThrow(/\[0, 100\]/);
    expect(() => guidanceFlag('1,1')).toThrow(/lists a scale twice/);
  });
});

describe('architectureFromFlags', () => {
  it("keeps mmada-tiny's size for flags left out and makes the SwiGLU 3 × a given width", () => {
    expect(architectureFromFlags({})).toEqual(MMADA_TINY_ARCHITECTURE);
    expect(architectureFromFlags({ width: '256', depth: '6' })).toEqual({ dModel: 256, nLayers: 6, nHeads: 4, mlpHiddenSize: 768 });
    expect(architectureFromFlags({ width: '256', heads: '8', mlp: '512' })).toEqual({ dModel: 256, nLayers: 4, nHeads: 8, mlpHiddenSize: 512 });
    expect(architectureDifferences(MMADA_TINY_ARCHITECTURE, { ...MMADA_TINY_ARCHITECTURE, nLayers: 6 })).toEqual(['nLayers 4 (asked 6)']);
    expect(architectureDifferences(MMADA_TINY_ARCHITECTURE, MMADA_TINY_ARCHITECTURE)).toEqual([]);
  });
});

describe('mmada train --recipe', () => {
  it('refuses unknown recipes and sizes beyond its bounds before doing any work', async () => {
    const { mmada } = await import('./support.js');
    const out = join(root, 'never');
    expect((await mmada('train', '--recipe', 'nope', '--out', out)).stderr).toMatch(/--recipe expects one of mmada-tiny/);
    expect((await mmada('train', '--recipe', 'mmada-tiny', '--batch', '100000', '--out', out)).stderr).toMatch(/at most 4096/);
    expect((await mmada('train', '--recipe', 'mmada-tiny', '--stage1-steps', '1e18', '--out', out)).stderr).toMatch(/stage1-steps/);
    expect((await mmada('train', '--recipe', 'mmada-tiny', '--eval-count', '601', '--out', out)).stderr).toMatch(/600 items/);
    expect((await mmada('train', '--recipe', 'mmada-tiny', '--until-stage', '3', '--out', out)).stderr).toMatch(/--until-stage expects 0, 1 or 2/);
    expect((await mmada('train', '--recipe', 'mmada-tiny', '--vq-rec', 'l3', '--out', out)).stderr).toMatch(/--vq-rec expects one of l1, l2/);
    expect((await mmada('train', '--recipe', 'mmada-tiny', '--vq-ch', '12', '--out', out)).stderr).toMatch(/normGroups 8 does not divide the 12 channels/);
    // the flag is named as typed (two dashes)
    expect((await mmada('train', '--recipe', 'mmada-tiny', '--vq-steps', '0', '--out', out)).stderr).toMatch(/(^|[^-])--vq-steps expects an integer ≥ 1, got "0"/);
    expect((await mmada('train', '--recipe', 'mmada-tiny', '--lr1', 'x', '--out', out)).stderr).toMatch(/(^|[^-])--lr1 expects a number ≥ 0/);
    expect((await mmada('train', '--recipe', 'mmada-tiny', '--caption-dropout', '1.2', '--out', out)).stderr).toMatch(/--caption-dropout expects a probability in \[0, 1\], got 1.2/);
    expect((await mmada('train', '--recipe', 'mmada-tiny', '--as-shipped', '--stage2-steps', '5', '--out', out)).stderr).toMatch(/--as-shipped sets what --stage2-steps would change; leave --stage2-steps out/);
    expect((await mmada('train', '--recipe', 'mmada-tiny', '--reasoning-trace', 'digits', '--out', out)).stderr).toMatch(/--reasoning-trace expects one of plain, padded, got "digits"/);
    expect((await mmada('train', '--recipe', 'mmada-tiny', '--understanding-trace', 'x', '--out', out)).stderr).toMatch(/--understanding-trace expects one of list, lookup, got "x"/);
    expect((await mmada('train', '--recipe', 'mmada-tiny', '--t2i-guidance', '1,x', '--out', out)).stderr).toMatch(/--t2i-guidance expects a scale in \[0, 100\] or a comma-separated list of them, got "x"/);
    expect((await mmada('train', '--recipe', 'mmada-tiny', '--width', '128', '--heads', '3', '--out', out)).stderr).toMatch(/--heads 3 does not divide --width 128/);
    expect((await mmada('train', '--recipe', 'mmada-tiny', '--width', '24', '--heads', '8', '--out', out)).stderr).toMatch(/3 dimensions per head; RoPE needs an even number/);
    expect((await mmada('train', '--recipe', 'mmada-tiny', '--depth', '0', '--out', out)).stderr).toMatch(/(^|[^-])--depth expects an integer ≥ 1, got "0"/);
    expect(existsSync(out)).toBe(false);
  });
});
