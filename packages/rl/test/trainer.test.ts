import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { flattenToRecord } from '@mmada/autograd';
import { dispose, memory } from '@mmada/tensor';
import {
  GrpoTrainer, cyclePrompts, interleavePrompts, rlConfig, rlTrain, withoutTimes, RL_CHECKPOINT_DIR, RL_METRICS_FILE, type RlConfig, type RlStepMetrics,
} from '../src/index.js';
import { tinyPolicy, toyImagePrompts, toyTextPrompts } from './trainer-support.js';

const root = mkdtempSync(join(tmpdir(), 'mmada-rl-trainer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A small, fast config: 2 prompts × 2 completions of 4 tokens, μ = 2, β ≠ 0. */
const small = (over: Partial<RlConfig> = {}): RlConfig =>
  rlConfig({
    numGenerations: 2, promptsPerStep: 2, numIterations: 2, beta: 0.04, epsilon: 0.2, lossType: 'grpo', learningRate: 1e-2,
    maxCompletionLength: 4, steps: 4, blockLength: 4, temperature: 1, imageSteps: 2, seed: 3, ...over,
  });

async function values(params: unknown): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(flattenToRecord(params))) out[k] = Array.from(await t.data());
  return out;
}

describe('rlTrain', () => {
  it('one step samples, scores, updates the parameters, writes a metrics line and a checkpoint; the policy\'s own weights stay', async () => {
    const policy = tinyPolicy();
    const before = await values(policy.params);
    const out = join(root, 'one');
    const r = await rlTrain({ policy, config: small(), prompts: cyclePrompts(toyTextPrompts(4), 0), maxSteps: 1, out, progress: false })();
    if (E.isLeft(r)) throw r.left;
    const after = await values(r.right.params);
    const changed = Object.keys(before).filter((k) => before[k]!.some((v, i) => v !== after[k]![i]));
    expect(changed.length).toBeGreaterThan(0);
    expect(await values(policy.params)).toEqual(before);
    const lines = readFileSync(join(out, RL_METRICS_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RlStepMetrics);
    expect(lines).toHaveLength(1);
    const m = lines[0]!;
    expect(m).toMatchObject({ step: 1, prompts: 2, completions: 4 });
    expect(Object.keys(m.rewards).sort()).toEqual(['score', 'short']);
    expect(m.rewards.score!.count).toBe(4);
    expect(m.reward.mean).toBeGreaterThan(0);
    expect(m.kl).not.toBeNull();
    expect(m.kl!).toBeGreaterThanOrEqual(0);
    expect(m.entropy!).toBeGreaterThan(0);
    expect(m.gradNorm).toBeGreaterThan(0);
    // Rollout: 4 rows × 4 steps; estimator: π_old at iteration 1, π_ref at 0 and 1, π_θ at 0 and 1 — 5 passes of 4 rows.
    expect(m.forwardPasses).toMatchObject({ rollout: 16, estimator: 20, total: 36, cumulative: 36 });
    expect(m.completionLength.max).toBeLessThanOrEqual(4);
    expect(existsSync(join(out, RL_CHECKPOINT_DIR, 'latest.json'))).toBe(true);
    dispose([r.right.params, policy.params]);
  });

  it('μ = 1 with β ≠ 0 works (ρ = 1 exactly, so nothing is clipped)', async () => {
    const policy = tinyPolicy(2);
    const r = await rlTrain({ policy, config: small({ numIterations: 1, beta: 0.1 }), prompts: cyclePrompts(toyTextPrompts(3), 1), maxSteps: 2, progress: false })();
    if (E.isLeft(r)) throw r.left;
    for (const m of r.right.history) {
      expect(m.meanRatio).toBe(1);
      expect(m.clipRatioRegion).toBe(0);
      expect(m.kl).not.toBeNull();
    }
    dispose([r.right.params, policy.params]);
  });

  it('a resumed run reproduces the uninterrupted one bit for bit (metrics without wall times, and the weights)', async () => {
    const config = small({ estimator: { name: 'd1', pMaskPrompt: 0.3 }, lossType: 'bnpo', lrSchedulerType: 'constant_with_warmup', warmupRatio: 0.3, maxGradNorm: 0.5, weightDecay: 0.1 });
    const prompts = cyclePrompts(toyTextPrompts(5), 7);
    const policy = tinyPolicy(4);
    const full = await rlTrain({ policy, config, prompts, maxSteps: 3, out: join(root, 'full'), progress: false })();
    if (E.isLeft(full)) throw full.left;

    const dir = join(root, 'split');
    const controller = new AbortController();
    const first = await rlTrain({
      policy, config, prompts, maxSteps: 3, out: dir, progress: false, signal: controller.signal,
      onStep: (m) => { if (m.step === 2) controller.abort(); },
    })();
    if (E.isLeft(first)) throw first.left;
    expect(first.right).toMatchObject({ step: 2, stopped: true });
    dispose(first.right.params);
    const second = await rlTrain({ policy, config, prompts, maxSteps: 3, out: dir, resume: true, progress: false })();
    if (E.isLeft(second)) throw second.left;
    expect(second.right.startStep).toBe(2);

    const read = (d: string) => readFileSync(join(d, RL_METRICS_FILE), 'utf8').trim().split('\n').map((l) => JSON.stringify(withoutTimes(JSON.parse(l))));
    expect(read(dir)).toEqual(read(join(root, 'full')));
    expect(await values(second.right.params)).toEqual(await values(full.right.params));
    dispose([full.right.params, second.right.params]);

    // A different config cannot resume the run.
    const other = await rlTrain({ policy, config: { ...config, beta: 0.5 }, prompts, maxSteps: 4, out: dir, resume: true, progress: false })();
    expect(E.isLeft(other) && other.left.message).toMatch(/different config \(beta\)/);
    dispose(policy.params);
  });

  it('mixes a text family and an image family in one batch, each with its sampler and reward', async () => {
    const policy = tinyPolicy(5);
    const prompts = interleavePrompts([toyTextPrompts(3), toyImagePrompts(3)], 0);
    const r = await rlTrain({ policy, config: small({ promptsPerStep: 2, lossType: 'dapo' }), prompts, maxSteps: 1, progress: false })();
    if (E.isLeft(r)) throw r.left;
    const m = r.right.history[0]!;
    expect(Object.keys(m.tasks).sort()).toEqual(['toy-t2i', 'toy-text']);
    expect(m.rewards.even!.count).toBe(2);
    expect(m.rewards.score!.count).toBe(2);
    dispose([r.right.params, policy.params]);
  });

  it('rejects a bad config naming the field, and leaks no tensors over a step', async () => {
    const policy = tinyPolicy(6);
    const bad = await GrpoTrainer.create({ policy, config: small({ numGenerations: 1 }), prompts: cyclePrompts(toyTextPrompts(2), 0), maxSteps: 1 });
    expect(E.isLeft(bad) && bad.left.message).toMatch(/numGenerations/);
    const created = await GrpoTrainer.create({ policy, config: small(), prompts: cyclePrompts(toyTextPrompts(2), 0), maxSteps: 3 });
    if (E.isLeft(created)) throw created.left;
    const t = created.right;
    await t.trainStep();
    const live = memory().tensors;
    await t.trainStep();
    expect(memory().tensors).toBe(live);
    t.dispose();
    dispose(policy.params);
  });
});
