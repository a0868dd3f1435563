import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describePreset, estimatorFor, getPreset, PRESET_NAMES, presetConfig, validateRlConfig } from '../src/index.js';

describe('presets', () => {
  it('d1 reproduces diffu-GRPO\'s shipped settings (spec rl.md §2)', () => {
    expect(getPreset('d1').config).toMatchObject({
      numGenerations: 6, numIterations: 12, beta: 0.04, epsilon: 0.5, lossType: 'bnpo', scaleRewards: 'none', klAgainst: 'ref',
      learningRate: 3e-6, lrSchedulerType: 'constant_with_warmup', warmupRatio: 0.0001, adamBeta1: 0.9, adamBeta2: 0.99, weightDecay: 0.1,
      maxGradNorm: 0.2, maxCompletionLength: 256, steps: 128, blockLength: 32, remasking: 'low_confidence', temperature: 0.9,
      estimator: { name: 'd1', pMaskPrompt: 0.15 },
    });
  });

  it('unigrpo: stratified timesteps over T = 1000, μ = 5, per-sequence mean loss, std-normalised advantages, KL to π_ref', () => {
    const c = getPreset('unigrpo').config;
    expect(c).toMatchObject({ numIterations: 5, lossType: 'grpo', scaleRewards: 'group', klAgainst: 'ref', estimator: { name: 'unigrpo', timestepRule: 'stratified', T: 1000 } });
    expect(c.beta).toBeGreaterThan(0);
    expect(estimatorFor(c).name).toBe('unigrpo');
  });

  it('dllm-rl-mmada (spec rl.md §4) and coupled-grpo (§9)', () => {
    expect(getPreset('dllm-rl-mmada').config).toMatchObject({
      numGenerations: 16, temperature: 0.8, threshold: 0.95, blockLength: 64, steps: 128, maxCompletionLength: 128, epsilon: 0.2, beta: 0.01,
      klAgainst: 'old', learningRate: 1e-6, weightDecay: 0, lossType: 'grpo', scaleRewards: 'group',
      groupFilter: { minAccuracy: 0.05, maxAccuracy: 0.95 }, estimator: { name: 'random-masking', tMin: 0.1, tMax: 0.9, copies: 2 },
    });
    expect(getPreset('coupled-grpo').config).toMatchObject({ leaveOneOut: true, estimator: { name: 'coupled', tMin: 0.2, tMax: 0.8 } });
  });

  it('every preset is a valid config, and describePreset prints each setting with its source', () => {
    for (const name of PRESET_NAMES) {
      expect(E.isRight(validateRlConfig(getPreset(name).config)), name).toBe(true);
      const lines = describePreset(name);
      expect(lines[0]).toMatch(new RegExp(`^preset ${name}: `));
      for (const s of getPreset(name).settings) expect(lines.some((l) => l.includes(`${s.field} = `)), `${name} ${s.field}`).toBe(true);
    }
    expect(describePreset('d1').find((l) => l.includes('epsilon = 0.5'))).toMatch(/train\.yaml/);
    expect(describePreset('unigrpo').find((l) => l.includes('numGenerations = '))).toMatch(/not published/);
  });

  it('overrides apply on top of a preset (estimator options merge), and unknown names are refused with the list', () => {
    const c = presetConfig('d1', { numIterations: 2, estimator: { name: 'd1', pMaskPrompt: 0.3 } });
    expect(c).toMatchObject({ numIterations: 2, beta: 0.04, estimator: { name: 'd1', pMaskPrompt: 0.3 } });
    expect(presetConfig('unigrpo', { estimator: { name: 'unigrpo', timestepRule: 'random' } }).estimator).toEqual({ name: 'unigrpo', timestepRule: 'random', T: 1000 });
    expect(() => getPreset('grpo')).toThrow(/unknown RL preset "grpo": one of unigrpo, d1, dllm-rl-mmada, coupled-grpo/);
    const bad = validateRlConfig(presetConfig('d1', { blockLength: 48 }));
    expect(E.isLeft(bad) && bad.left.message).toMatch(/^blockLength: maxCompletionLength 256 must be a multiple of blockLength 48/);
  });
});
