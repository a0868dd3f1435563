import { tensor, type DeviceName, type Tensor } from '@mmada/tensor';

/** How advantages are scaled after the baseline is subtracted (TRL's `scale_rewards`). */
export type ScaleRewards = 'group' | 'batch' | 'none';

/**
 * Drops whole groups whose accuracy is outside [minAccuracy, maxAccuracy] (dLLM-RL keeps 0.05 ≤ acc ≤ 0.95):
 * such groups carry (almost) no learning signal. A row counts as correct when its reward ≥ `correctThreshold`.
 */
export interface GroupFilter {
  /** Drop groups with accuracy strictly below this (default 0: nothing is dropped for being too hard). */
  readonly minAccuracy?: number;
  /** Drop groups with accuracy strictly above this (default 1: nothing is dropped for being too easy). */
  readonly maxAccuracy?: number;
  /** A reward at or above this counts as correct (default 1, i.e. binary 0/1 correctness rewards). */
  readonly correctThreshold?: number;
}

export interface GroupAdvantageOptions {
  /** 'group' (default): ÷ (group std + 1e-4); 'batch': ÷ (std of the whole batch + 1e-4); 'none': no division. */
  readonly scaleRewards?: ScaleRewards;
  /** RLOO baseline: each row's baseline is the mean of the other rows of its group (instead of the group mean). */
  readonly leaveOneOut?: boolean;
  readonly filter?: GroupFilter;
}

export interface GroupAdvantages {
  /** One advantage per row; 0 for a row with a missing (NaN) reward and for every row of a dropped group. */
  readonly advantages: number[];
  /** Fraction of groups whose rewards all agree (std ≈ 0, TRL's `frac_reward_zero_std`); computed before any filter. */
  readonly zeroStdFraction: number;
  /** Per row: false when its group was dropped by `filter`. */
  readonly kept: boolean[];
}

/** The advantage added to every rewards' std before dividing (TRL). */
export const ADVANTAGE_STD_EPSILON = 1e-4;

/** Mean and unbiased (n − 1) std of the finite values; std is 0 for fewer than two values. */
function stats(values: readonly number[]): { n: number; sum: number; mean: number; std: number } {
  const n = values.length;
  const sum = values.reduce((a, b) => a + b, 0);
  const mean = n > 0 ? sum / n : 0;
  const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return { n, sum, mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0 };
}

/**
 * GRPO advantages of a batch of `rewards` laid out group after group (rows g·G … g·G+G−1 answer prompt g):
 * `(r − baseline) / (std + 1e-4)` with the group mean as baseline (or RLOO's leave-one-out mean) and the
 * unbiased std of the group (`scaleRewards: 'group'`, torch's `.std()`), of the whole batch (`'batch'`; the
 * baseline stays per group) or no division (`'none'`, Dr. GRPO / d1). NaN marks a row whose every reward
 * function abstained: it gets advantage 0 and stays out of the statistics.
 */
export function groupAdvantages(rewards: readonly number[], groupSize: number, options: GroupAdvantageOptions = {}): GroupAdvantages {
  if (!Number.isInteger(groupSize) || groupSize < 1) throw new RangeError(`groupAdvantages: groupSize must be a positive integer, got ${groupSize}`);
  if (rewards.length % groupSize !== 0) {
    throw new RangeError(`groupAdvantages: ${rewards.length} rewards do not split into groups of ${groupSize}`);
  }
  const scale = options.scaleRewards ?? 'group';
  const groups = rewards.length / groupSize;
  const filter = options.filter;
  const threshold = filter?.correctThreshold ?? 1;
  const advantages = new Array<number>(rewards.length).fill(0);
  const kept = new Array<boolean>(rewards.length).fill(true);

  let zeroStd = 0;
  const keptGroup: boolean[] = [];
  const groupStats: ReturnType<typeof stats>[] = [];
  for (let g = 0; g < groups; g++) {
    const rows = rewards.slice(g * groupSize, (g + 1) * groupSize);
    const valid = rows.filter((r) => !Number.isNaN(r));
    const s = stats(valid);
    groupStats.push(s);
    // torch.isclose(std, 0) with its default tolerances.
    if (s.std <= 1e-8) zeroStd++;
    let keep = true;
    if (filter && valid.length > 0) {
      const accuracy = valid.filter((r) => r >= threshold).length / valid.length;
      keep = accuracy >= (filter.minAccuracy ?? 0) && accuracy <= (filter.maxAccuracy ?? 1);
    }
    keptGroup.push(keep);
  }

  // 'batch' scales by the std of every valid reward of the kept groups.
  const batchStd = stats(rewards.filter((r, i) => !Number.isNaN(r) && keptGroup[Math.floor(i / groupSize)])).std;

  for (let g = 0; g < groups; g++) {
    const s = groupStats[g];
    const divisor = scale === 'none' ? 1 : (scale === 'batch' ? batchStd : s.std) + ADVANTAGE_STD_EPSILON;
    for (let j = 0; j < groupSize; j++) {
      const i = g * groupSize + j;
      kept[i] = keptGroup[g];
      const r = rewards[i];
      if (!keptGroup[g] || Number.isNaN(r)) continue;
      let baseline: number;
      if (options.leaveOneOut) {
        if (s.n < 2) continue; // no other row to compare with
        baseline = (s.sum - r) / (s.n - 1);
      } else baseline = s.mean;
      advantages[i] = (r - baseline) / divisor;
    }
  }
  return { advantages, zeroStdFraction: groups > 0 ? zeroStd / groups : 0, kept };
}

/** `groupAdvantages` with the advantages as an f32 [B] tensor (what `grpoLoss` takes). */
export function groupAdvantagesTensor(
  rewards: readonly number[],
  groupSize: number,
  options: GroupAdvantageOptions = {},
  device?: DeviceName,
): Omit<GroupAdvantages, 'advantages'> & { advantages: Tensor } {
  const r = groupAdvantages(rewards, groupSize, options);
  return { ...r, advantages: tensor(r.advantages, [r.advantages.length], 'f32', device ? { device } : {}) };
}
