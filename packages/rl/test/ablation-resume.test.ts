/**
 * Completing an ablation with more variants: finished runs are read back from their metrics without their
 * checkpoints (an ablation copied without checkpoints), and each run's device is recorded and summarised.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { dispose } from '@mmada/tensor';
import { cyclePrompts, rlConfig, runAblation, RL_CHECKPOINT_DIR, RL_METRICS_FILE, type RlConfig } from '../src/index.js';
import { tinyPolicy, toyTextPrompts } from './trainer-support.js';

const root = mkdtempSync(join(tmpdir(), 'mmada-rl-ablation-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const base: RlConfig = rlConfig({
  numGenerations: 2, promptsPerStep: 2, numIterations: 2, beta: 0.04, lossType: 'grpo', learningRate: 1e-2,
  maxCompletionLength: 4, steps: 4, blockLength: 4, temperature: 1,
});

describe('runAblation --resume on a copy without checkpoints', () => {
  it('reads finished runs back, trains only the new variant (on its own budget), and lists each variant\'s device', async () => {
    const policy = tinyPolicy(11);
    const out = join(root, 'abl');
    const prompts = (seed: number) => cyclePrompts(toyTextPrompts(4), seed);
    let evals = 0;
    const evaluator = { genLengths: [4], accuracy: async () => (evals++, 0.5) };
    const first = await runAblation({ policy, base, prompts, variants: ['unigrpo'], seeds: [0, 1], maxSteps: 2, out, progress: false, evaluator, evalEvery: 2, deviceLabel: 'machine A' });
    if (E.isLeft(first)) throw first.left;
    const metricsOf = (variant: string, seed: number) => readFileSync(join(out, 'runs', variant, `seed-${seed}`, RL_METRICS_FILE), 'utf8');
    const before = [metricsOf('unigrpo', 0), metricsOf('unigrpo', 1)];
    for (const seed of [0, 1]) rmSync(join(out, 'runs', 'unigrpo', `seed-${seed}`, RL_CHECKPOINT_DIR), { recursive: true });

    evals = 0;
    const lines: string[] = [];
    const again = await runAblation({
      policy, base, prompts, variants: ['unigrpo', 'd1'], seeds: [0, 1], maxSteps: 2, out, resume: true, progress: (l) => lines.push(l), evaluator, evalEvery: 2, deviceLabel: 'machine B',
      budgets: { d1: { seeds: 1, steps: 1 } },
    });
    if (E.isLeft(again)) throw again.left;
    // Only d1 trained, on its reduced budget (seed 0, one step): one evaluation, at its last step; the starting
    // checkpoint's is read back too.
    expect(evals).toBe(1);
    expect([metricsOf('unigrpo', 0), metricsOf('unigrpo', 1)]).toEqual(before);
    expect(lines.filter((l) => /finished earlier on machine A: read back/.test(l))).toHaveLength(2);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.variants.map((v: { variant: string; devices: string[]; steps: number; seeds: number[] }) => [v.variant, v.devices, v.steps, v.seeds])).toEqual([
      ['unigrpo', ['machine A'], 2, [0, 1]],
      ['d1', ['machine B'], 1, [0]],
    ]);
    expect(s.variants[0].last.accuracy['4'].mean).toBe(0.5);
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(md).toMatch(/\| unigrpo \| 2 \| 2 \|.*\| machine A \|/);
    expect(md).toMatch(/\| d1 \| 1 \| 1 \|.*\| machine B \|/);
    expect(md).toMatch(/\| reducedBudgets \| d1: 1 seed\(s\), 1 steps \|/);
    expect(md).toMatch(/ran on different devices/);
    expect(JSON.parse(readFileSync(join(out, 'runs', 'd1', 'seed-0', 'run-info.json'), 'utf8'))).toEqual({ devices: ['machine B'] });
    expect(existsSync(join(out, 'runs', 'd1', 'seed-1'))).toBe(false);

    // A finished run is never read back under a config it was not trained with.
    const other = await runAblation({ policy, prompts, base: { ...base, beta: 0.5 }, variants: ['unigrpo'], seeds: [0], maxSteps: 2, out, resume: true, progress: false });
    expect(E.isLeft(other) && other.left.message).toMatch(/different config \(beta\)/);
    dispose(policy.params);
  });
});
