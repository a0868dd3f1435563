/** Small statistics for ablation summaries: means, sample std, Student-t 95 % intervals, smoothing. */

export const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

/** Unbiased (n − 1) sample variance; 0 for fewer than two values. */
export function sampleVariance(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
}

export const sampleStd = (xs: readonly number[]): number => Math.sqrt(sampleVariance(xs));

/** Two-sided 97.5 % quantiles of Student's t for 1 … 30 degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08,
  2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The t critical value of a two-sided 95 % interval with `df` degrees of freedom (1.96 in the normal limit). */
export function tCritical95(df: number): number {
  if (!(df >= 1)) return Number.NaN;
  if (df <= 30) return T975[Math.floor(df) - 1]!;
  // Cornish-Fisher expansion around the normal quantile; within 1e-3 of the exact value for df > 30.
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

export interface MeanInterval {
  readonly mean: number;
  /** Half-width of the 95 % interval (mean ± halfWidth); NaN with fewer than two values. */
  readonly halfWidth: number;
  readonly std: number;
  readonly n: number;
}

/** Mean and Student-t 95 % confidence interval of the mean over independent runs (e.g. seeds). */
export function meanInterval95(xs: readonly number[]): MeanInterval {
  const n = xs.length;
  const std = sampleStd(xs);
  return { mean: mean(xs), halfWidth: n >= 2 ? (tCritical95(n - 1) * std) / Math.sqrt(n) : Number.NaN, std, n };
}

/** Trailing moving average: value i is the mean of values max(0, i − window + 1) … i. Window 1 is the identity. */
export function trailingMean(xs: readonly number[], window: number): number[] {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`trailingMean: window must be a positive integer, got ${window}`);
  const out: number[] = [];
  let acc = 0;
  for (let i = 0; i < xs.length; i++) {
    acc += xs[i]!;
    if (i >= window) acc -= xs[i - window]!;
    out.push(acc / Math.min(i + 1, window));
  }
  return out;
}
