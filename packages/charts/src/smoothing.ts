/**
 * Exponential moving average with bias correction (TensorBoard's smoothing): the first value is the first
 * data point rather than a fraction of it. `alpha` is the weight of the newest point, in (0, 1].
 */
export function movingAverage(values: readonly number[], alpha: number): number[] {
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`movingAverage: alpha must be in (0, 1], got ${alpha}`);
  let m = 0;
  let w = 0;
  return values.map((v) => {
    m = (1 - alpha) * m + alpha * v;
    w = (1 - alpha) * w + alpha;
    return m / w;
  });
}

/** The default smoothing weight for n points: 2 / (1 + span), span = max(10, n / 20) (an EMA over ≈ 5% of the run). */
export const defaultSmoothing = (n: number): number => 2 / (1 + Math.max(10, n / 20));
