/**
 * Trainer steps with the estimators that score inside a tensor scope of their own (coupled, llada-mc).
 * Regression: the per-forward entropy statistics were created inside that scope and freed on its exit, so the
 * trainer's read of them failed with "tensor … [2] f32 was disposed".
 */
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { dispose, memory } from '@mmada/tensor';
import { GrpoTrainer, cyclePrompts, rlConfig, type EstimatorConfig, type RlConfig } from '../src/index.js';
import { tinyPolicy, toyTextPrompts } from './trainer-support.js';

/** 2 prompts × 2 completions of 4 tokens, μ = 2, β ≠ 0: π_old and π_ref are scored with the same estimator. */
const small = (estimator: EstimatorConfig, over: Partial<RlConfig> = {}): RlConfig =>
  rlConfig({
    numGenerations: 2, promptsPerStep: 2, numIterations: 2, beta: 0.04, epsilon: 0.2, lossType: 'grpo', learningRate: 1e-2,
    maxCompletionLength: 4, steps: 4, blockLength: 4, temperature: 1, seed: 3, estimator, ...over,
  });

const cases: readonly { name: string; estimator: EstimatorConfig; passesPerRow: number }[] = [
  { name: 'coupled', estimator: { name: 'coupled' }, passesPerRow: 3 },
  { name: 'llada-mc', estimator: { name: 'llada-mc', mcNum: 2 }, passesPerRow: 2 },
];

describe('trainer steps with scoped estimators', () => {
  for (const { name, estimator, passesPerRow } of cases) {
    it(`${name}: two steps log entropy, KL and a gradient, and leak no tensors`, async () => {
      const policy = tinyPolicy(7);
      const created = await GrpoTrainer.create({ policy, config: small(estimator), prompts: cyclePrompts(toyTextPrompts(4), 0), maxSteps: 2 });
      if (E.isLeft(created)) throw created.left;
      const trainer = created.right;
      try {
        const first = await trainer.trainStep();
        const live = memory().tensors;
        const second = await trainer.trainStep();
        expect(memory().tensors).toBe(live);
        for (const m of [first, second]) {
          // The entropy comes from the tensors that used to be freed inside the estimator's scope.
          expect(m.entropy).not.toBeNull();
          expect(m.entropy!).toBeGreaterThan(0);
          expect(Number.isFinite(m.loss)).toBe(true);
          expect(m.kl).not.toBeNull();
          expect(m.kl!).toBeGreaterThanOrEqual(0);
          expect(m.gradNorm).toBeGreaterThan(0);
          // π_old at iteration 1, π_ref at 0 and 1, π_θ at 0 and 1: 5 estimates of 4 rows.
          expect(m.forwardPasses.estimator).toBe(5 * 4 * passesPerRow);
        }
      } finally {
        trainer.dispose();
        dispose(policy.params);
      }
    });
  }
});
