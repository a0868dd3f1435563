/**
 * Ablation variants: each names a likelihood estimator (and at most one of its options) swapped into one base
 * config, so a comparison changes one thing. `unigrpo`, `unigrpo:random` (Fig. 4's random timesteps),
 * `unigrpo:paper-formula`, `unigrpo:igpo`, `d1`, `d1:0.3` (pMaskPrompt), `coupled`, `random-masking`
 * (alias `random`), `random-masking:4` (copies), `llada-mc`, `llada-mc:16` (mcNum).
 */
import type { TimestepRule } from '../estimators/unigrpo-timesteps.js';
import type { EstimatorConfig, RlConfig } from '../trainer/rl-config.js';
import { TIMESTEP_RULES } from '../trainer/rl-config.js';

export const VARIANT_ESTIMATORS = ['unigrpo', 'd1', 'coupled', 'random-masking', 'llada-mc'] as const;

/** Default Monte-Carlo samples of the llada-mc variant (the paper's 128 is far too costly for an ablation step). */
export const DEFAULT_VARIANT_MC_NUM = 8;

export interface Variant {
  /** The spec as given (e.g. unigrpo:random); also the variant's folder name. */
  readonly name: string;
  readonly estimator: EstimatorConfig;
}

const positiveInt = (s: string) => /^\d+$/.test(s) && Number(s) >= 1;

/** Parses one variant spec; a RangeError says what is accepted. */
export function parseVariant(spec: string): Variant {
  const [head, option, extra] = spec.trim().split(':');
  const name = spec.trim();
  const bad = (why: string) => new RangeError(`variant ${JSON.stringify(spec)}: ${why}`);
  if (extra !== undefined) throw bad('at most one option after the estimator (name:option)');
  switch (head) {
    case 'unigrpo': {
      const rule = option ?? 'stratified';
      if (!(TIMESTEP_RULES as readonly string[]).includes(rule)) throw bad(`the timestep rule must be one of ${TIMESTEP_RULES.join(', ')}`);
      return { name, estimator: { name: 'unigrpo', timestepRule: rule as TimestepRule, T: 1000 } };
    }
    case 'd1': {
      const p = option === undefined ? 0.15 : Number(option);
      if (!(p >= 0 && p <= 1) || option === '') throw bad('the option is pMaskPrompt, a number in [0, 1]');
      return { name, estimator: { name: 'd1', pMaskPrompt: p } };
    }
    case 'coupled':
      if (option !== undefined) throw bad('coupled takes no option');
      return { name, estimator: { name: 'coupled' } };
    case 'random':
    case 'random-masking': {
      if (option !== undefined && !positiveInt(option)) throw bad('the option is the number of masked copies, a positive integer');
      return { name, estimator: { name: 'random-masking', copies: option === undefined ? 2 : Number(option) } };
    }
    case 'llada-mc': {
      if (option !== undefined && !positiveInt(option)) throw bad('the option is mcNum, a positive integer');
      const mcNum = option === undefined ? DEFAULT_VARIANT_MC_NUM : Number(option);
      // Rows per predictor call: 8 when it divides mcNum, else all of them at once.
      return { name, estimator: { name: 'llada-mc', mcNum, batchSize: mcNum > 8 && mcNum % 8 === 0 ? 8 : mcNum } };
    }
    default:
      throw bad(`the estimator must be one of ${[...VARIANT_ESTIMATORS, 'random'].join(', ')}`);
  }
}

/** The base config with the variant's estimator and the run's seed: the only two things a run changes. */
export function variantConfig(base: RlConfig, variant: Variant, seed: number): RlConfig {
  return { ...base, estimator: variant.estimator, seed };
}

/** A folder-safe name for a variant (':' → '-'). */
export const variantDir = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '-');
