import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { dispose } from '@mmada/tensor';
import {
  ablationCharts, cyclePrompts, rewardCurveSvg, diagnoseEstimators, meanInterval95, parseVariant, predictorAt, rlConfig, runAblation, tCritical95, trailingMean, type RlConfig,
} from '../src/index.js';
import { device, tinyPolicy, toyTextPrompts } from './trainer-support.js';

const root = mkdtempSync(join(tmpdir(), 'mmada-rl-ablation-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const base: RlConfig = rlConfig({
  numGenerations: 2, promptsPerStep: 2, numIterations: 2, beta: 0.04, lossType: 'grpo', learningRate: 1e-2,
  maxCompletionLength: 4, steps: 4, blockLength: 4, temperature: 1,
});

describe('ablation statistics and charts', () => {
  it('Student-t 95 % intervals and trailing means, hand-worked', () => {
    expect(tCritical95(2)).toBe(4.303);
    const m = meanInterval95([1, 2, 3]);
    expect(m.mean).toBe(2);
    expect(m.std).toBe(1);
    expect(m.halfWidth).toBeCloseTo(4.303 / Math.sqrt(3), 12);
    expect(Number.isNaN(meanInterval95([5]).halfWidth)).toBe(true);
    expect(trailingMean([1, 3, 5, 7], 2)).toEqual([1, 2, 4, 6]);
    expect(tCritical95(1000)).toBeCloseTo(1.962, 3);
  });

  it('the reward charts have one band and one line per variant, the smoothing and the units', () => {
    const point = (step: number, reward: number) => ({ step, reward, lo: reward - 0.1, hi: reward + 0.1, forwardPasses: 10 * step, seconds: 2 * step });
    const charts = ablationCharts({
      variants: [], curves: { a: [point(1, 0.5), point(2, 0.7)], b: [point(1, 0.2)] }, smoothing: { window: 1, description: 'none (raw per-step means)' },
      band: 'mean ± one standard deviation over seeds', genLengths: [], settings: {},
    });
    expect(Object.keys(charts)).toEqual(['reward-vs-step', 'reward-vs-forward-passes', 'reward-vs-wall-time']);
    for (const svg of Object.values(charts)) {
      expect(svg.match(/class="band"/g)).toHaveLength(2);
      expect(svg.match(/class="series"/g)).toHaveLength(2);
      expect(svg).toContain('smoothing: none (raw per-step means)');
      expect(svg).toContain('reward (mean of the generation batch)');
    }
    expect(charts['reward-vs-wall-time']).toContain('training time (s, cumulative)');
  });

  it("one run's reward curve: the batch mean as a line, ± the within-batch std as a band", () => {
    const svg = rewardCurveSvg([{ step: 1, reward: { mean: 0.2, std: 0.1 } }, { step: 2, reward: { mean: 0.6, std: 0 } }]);
    expect(svg.match(/class="band"/g)).toHaveLength(1);
    const band = /class="band" points="([^"]+)"/.exec(svg)![1]!.split(' ').map((p) => Number(p.split(',')[1]));
    const line = /class="series" points="([^"]+)"/.exec(svg)![1]!.split(' ').map((p) => Number(p.split(',')[1]));
    expect(band[0]).toBeLessThan(line[0]!); // the upper edge is above the mean (smaller y)
    expect(band[1]).toBeCloseTo(line[1]!, 1); // no spread at step 2
    expect(svg).toContain('band: ± one standard deviation of the rewards within the batch');
  });

  it('variants change only the estimator; bad specs say what is accepted', () => {
    expect(parseVariant('unigrpo:random').estimator).toEqual({ name: 'unigrpo', timestepRule: 'random', T: 1000 });
    expect(parseVariant('d1').estimator).toEqual({ name: 'd1', pMaskPrompt: 0.15 });
    expect(parseVariant('random').estimator).toEqual({ name: 'random-masking', copies: 2 });
    expect(parseVariant('llada-mc:16').estimator).toEqual({ name: 'llada-mc', mcNum: 16, batchSize: 8 });
    expect(() => parseVariant('unigrpo:sideways')).toThrow(/timestep rule must be one of stratified/);
    expect(() => parseVariant('ppo')).toThrow(/estimator must be one of/);
  });
});

describe('runAblation', () => {
  it('runs variant × seed from one checkpoint and writes summary.json, summary.md and the charts', async () => {
    const policy = tinyPolicy(9);
    const out = join(root, 'abl');
    let evals = 0;
    const r = await runAblation({
      policy, base, variants: ['unigrpo', 'd1', 'unigrpo:random'], seeds: [0, 1], maxSteps: 2, out, progress: false, evalEvery: 1, smoothing: 1,
      prompts: (seed) => cyclePrompts(toyTextPrompts(4), seed),
      evaluator: { genLengths: [4, 8], accuracy: async (_p, g) => (evals++, g === 4 ? 0.25 : 0.5) },
    });
    if (E.isLeft(r)) throw r.left;
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.variants.map((v: { variant: string }) => v.variant)).toEqual(['unigrpo', 'd1', 'unigrpo:random']);
    for (const v of s.variants) {
      expect(v.seeds).toEqual([0, 1]);
      expect(v.steps).toBe(2);
      expect(v.finalReward.perSeed).toHaveLength(2);
      expect(Number.isFinite(v.finalReward.halfWidth)).toBe(true);
      expect(v.forwardPassesPerStep).toBeGreaterThan(0);
      expect(v.best.accuracy['4'].mean).toBe(0.25);
      expect(v.last.accuracy['8'].mean).toBe(0.5);
    }
    // Two evaluations per run (steps 1 and 2) at two lengths, plus the starting checkpoint once.
    expect(evals).toBe(3 * 2 * 2 * 2 + 2);
    // The first step of every variant with the same seed scores the same rollouts (same prompts, same weights).
    const first = (variant: string, seed: number) =>
      JSON.parse(readFileSync(join(out, 'runs', variant, `seed-${seed}`, 'metrics.jsonl'), 'utf8').split('\n')[0]!).reward;
    expect(first('d1', 0)).toEqual(first('unigrpo', 0));
    expect(first('unigrpo-random', 1)).toEqual(first('unigrpo', 1));
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(md).toMatch(/\| unigrpo:random \| 2 \| 2 \|/);
    expect(md).toMatch(/best @4/);
    for (const stem of ['reward-vs-step', 'reward-vs-forward-passes', 'reward-vs-wall-time']) {
      expect(readFileSync(join(out, `${stem}.svg`), 'utf8').match(/class="band"/g)).toHaveLength(3);
      if (!r.right.pngNote) expect(readFileSync(join(out, `${stem}.png`)).subarray(1, 4).toString()).toBe('PNG');
    }
    // Resuming finds every run finished and reruns nothing.
    evals = 0;
    const again = await runAblation({
      policy, base, variants: ['unigrpo', 'd1', 'unigrpo:random'], seeds: [0, 1], maxSteps: 2, out, progress: false, evalEvery: 1, smoothing: 1, resume: true,
      prompts: (seed) => cyclePrompts(toyTextPrompts(4), seed),
      evaluator: { genLengths: [4, 8], accuracy: async () => (evals++, 0) },
    });
    if (E.isLeft(again)) throw again.left;
    expect(evals).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).variants[0].finalReward).toEqual(s.variants[0].finalReward);
    expect(existsSync(join(out, 'runs', 'd1', 'seed-1', 'eval.jsonl'))).toBe(true);
    dispose(policy.params);
  });

  it('diagnoses every estimator\'s spread over mask draws against a high-budget ELBO', async () => {
    const policy = tinyPolicy(10);
    const r = await diagnoseEstimators({
      predictor: predictorAt(policy, policy.params), prompt: [1, 2, 3, 4], completion: [5, 6, 7, 8, 9, 10], maskId: policy.maskId, device,
      variants: ['unigrpo', 'd1', 'coupled', 'random-masking', 'llada-mc:4'], base, draws: 6, referenceMcNum: 32,
    });
    expect(r.estimators.map((e) => e.variant)).toEqual(['unigrpo', 'd1', 'coupled', 'random-masking', 'llada-mc:4']);
    expect(r.reference.elbo).toBeLessThan(0);
    const byName = Object.fromEntries(r.estimators.map((e) => [e.variant, e]));
    expect(byName.unigrpo!.std).toBeGreaterThan(0);
    // d1 with an intact prompt (p = 0.15, 4 tokens) can vary; coupled's pair always covers every token once.
    expect(byName.coupled!.passesPerDraw).toBe(3);
    expect(byName['llada-mc:4']!.passesPerDraw).toBe(4);
    for (const e of r.estimators) expect(e.mean).toBeLessThan(0);
    dispose(policy.params);
  });
});
