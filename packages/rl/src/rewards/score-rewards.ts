import { checkRewardWeights, weightedTotal } from './combine-rewards.js';
import type { ModelReward, RewardFunctions } from './reward-function.js';

export interface RewardSources<C, I> {
  /** Verifiable rewards, scored per completion. */
  readonly functions?: RewardFunctions<C, I>;
  /** Model-based rewards, scored per batch; each is a component under its `name`. */
  readonly models?: readonly ModelReward<C, I>[];
  /** Weight per component name (default 1.0). */
  readonly weights?: Readonly<Record<string, number>>;
}

export interface BatchRewards {
  /** Per completion: the weighted total (NaN when every component abstained). */
  readonly totals: number[];
  /** Per component, its raw value for each completion (null = abstained). */
  readonly components: Readonly<Record<string, (number | null)[]>>;
}

/** Scores a batch of completions with reward functions and model rewards together. */
export async function scoreRewards<C, I>(completions: readonly C[], items: readonly I[], sources: RewardSources<C, I>): Promise<BatchRewards> {
  if (completions.length !== items.length) throw new RangeError(`scoreRewards: ${completions.length} completions for ${items.length} items`);
  const functions = sources.functions ?? {};
  const models = sources.models ?? [];
  const weights = sources.weights ?? {};
  const names = [...Object.keys(functions), ...models.map((m) => m.name)];
  if (new Set(names).size !== names.length) throw new RangeError(`scoreRewards: duplicate reward names (${names.join(', ')})`);
  checkRewardWeights(names, weights);
  const components: Record<string, (number | null)[]> = {};
  for (const [name, fn] of Object.entries(functions)) components[name] = completions.map((c, i) => fn(c, items[i]!));
  for (const model of models) {
    const values = await model.score(completions, items);
    if (values.length !== completions.length) throw new RangeError(`scoreRewards: ${model.name} returned ${values.length} scores for ${completions.length} completions`);
    components[model.name] = [...values];
  }
  const totals = completions.map((_, i) => weightedTotal(Object.fromEntries(names.map((n) => [n, components[n]![i]!])), weights));
  return { totals, components };
}

export interface RewardStat {
  /** Mean and (unbiased) std over the completions the component scored; NaN when it scored none. */
  readonly mean: number;
  readonly std: number;
  /** How many completions it scored (non-null). */
  readonly count: number;
}

/** Mean / std / count of each component and of the totals, skipping nulls and NaN — what a trainer logs. */
export function summarizeRewards(rewards: BatchRewards): Record<string, RewardStat> {
  const stat = (values: readonly (number | null)[]): RewardStat => {
    const v = values.filter((x): x is number => x !== null && !Number.isNaN(x));
    const n = v.length;
    const mean = n ? v.reduce((a, b) => a + b, 0) / n : Number.NaN;
    const std = n > 1 ? Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : n === 1 ? 0 : Number.NaN;
    return { mean, std, count: n };
  };
  const out: Record<string, RewardStat> = {};
  for (const [name, values] of Object.entries(rewards.components)) out[name] = stat(values);
  out.total = stat(rewards.totals);
  return out;
}
