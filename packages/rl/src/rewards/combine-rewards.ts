import type { RewardFunctions } from './reward-function.js';

/** One completion's rewards: each component's raw value (null = abstained) and their weighted sum. */
export interface CombinedReward {
  /** Σ weight·value over the components that returned a number; NaN when every one returned null. */
  readonly total: number;
  readonly components: Readonly<Record<string, number | null>>;
}

/** The weighted total of component values: nulls skipped, NaN when all are null (TRL's nansum, all-None → NaN). */
export function weightedTotal(components: Readonly<Record<string, number | null>>, weights: Readonly<Record<string, number>> = {}): number {
  let total = 0;
  let any = false;
  for (const [name, value] of Object.entries(components)) {
    if (value === null || Number.isNaN(value)) continue;
    total += (weights[name] ?? 1) * value;
    any = true;
  }
  return any ? total : Number.NaN;
}

/** Throws when a weight names no reward function (a misspelt weight would otherwise be silently ignored). */
export function checkRewardWeights(names: readonly string[], weights: Readonly<Record<string, number>>): void {
  for (const name of Object.keys(weights)) {
    if (!names.includes(name)) throw new RangeError(`reward weight "${name}" matches no reward function (${names.join(', ')})`);
  }
}

/**
 * Combines named reward functions into one: each completion gets every component's raw value and the
 * weighted total (`weights[name]`, default 1.0 — TRL's `reward_weights`).
 */
export function combineRewards<C, I>(
  functions: RewardFunctions<C, I>,
  weights: Readonly<Record<string, number>> = {},
): (completion: C, item: I) => CombinedReward {
  const names = Object.keys(functions);
  checkRewardWeights(names, weights);
  return (completion, item) => {
    const components: Record<string, number | null> = {};
    for (const name of names) components[name] = functions[name]!(completion, item);
    return { total: weightedTotal(components, weights), components };
  };
}
