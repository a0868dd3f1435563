import { TensorError } from '@mmada/tensor';

/**
 * A MaskGIT mask schedule: the fraction of image tokens still masked at r = (step + 1)/T ∈ (0, 1].
 * `'cosine'` (default) cos(π/2·r); `'linear'` clamp(1 − r, 1e-6, 1); `'powN'` (e.g. 'pow2', 'pow0.5')
 * clamp(1 − r^N, 1e-6, 1); `'sigmoid'` the start −3 / end 3 / τ 1 sigmoid schedule, clipped to [1e-6, 1].
 */
export type MaskScheduleName = 'cosine' | 'linear' | 'sigmoid' | `pow${number}`;

/**
 * `'float32'` (default) evaluates the schedule as upstream does on a float32 tensor, rounding after every
 * operation (spec Quirk 3: N = 1024, T = 15, step 9 gives maskLen 511, not 512); `'float64'` is exact math.
 */
export type SchedulePrecision = 'float32' | 'float64';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The mask ratio of `schedule` at r. */
export function maskRatio(schedule: MaskScheduleName, r: number, precision: SchedulePrecision = 'float32'): number {
  const f = precision === 'float32' ? Math.fround : (x: number) => x;
  const t = f(r);
  const clip = (x: number) => Math.min(f(1), Math.max(f(1e-6), x));
  if (schedule === 'cosine') return f(Math.cos(f(f(t * f(Math.PI)) * 0.5)));
  if (schedule === 'linear') return clip(f(1 - t));
  if (schedule === 'sigmoid') {
    const start = -3;
    const end = 3;
    const tau = 1;
    const vStart = f(sigmoid(f(start / tau)));
    const vEnd = f(sigmoid(f(end / tau)));
    const inner = f(f(f(t * (end - start)) + start) / tau);
    const out = f(sigmoid(inner));
    return clip(f(f(vEnd - out) / f(vEnd - vStart)));
  }
  if (schedule.startsWith('pow')) {
    const exponent = Number(schedule.slice(3));
    if (!Number.isFinite(exponent) || schedule.length === 3) throw new TensorError('maskRatio', `bad schedule '${schedule}'`);
    return clip(f(1 - f(t ** exponent)));
  }
  throw new TensorError('maskRatio', `unknown schedule '${String(schedule)}'; use cosine, linear, sigmoid or powN`);
}

/**
 * `floor(N · schedule((step+1)/T))`, the raw number of tokens the schedule wants still masked after `step`,
 * in the chosen precision (upstream multiplies in float32 too). It may be below 1 or even −1 at the end;
 * the sampler clamps it with `max(1, min(unknown − 1, ·))`.
 */
export function scheduledMaskCount(n: number, step: number, steps: number, schedule: MaskScheduleName = 'cosine', precision: SchedulePrecision = 'float32'): number {
  const ratio = maskRatio(schedule, (step + 1) / steps, precision);
  const product = precision === 'float32' ? Math.fround(n * ratio) : n * ratio;
  return Math.floor(product);
}

/**
 * The number of image tokens still masked after each of `steps` MaskGIT steps when all `n` start masked:
 * `maskLen = max(1, min(unknown − 1, floor(N·ratio)))` (vq.md §9 tables). The final step leaves 1 masked,
 * but the sampler returns the fully filled sample.
 */
export function maskgitMaskCounts(n: number, steps: number, opts: { schedule?: MaskScheduleName; precision?: SchedulePrecision } = {}): number[] {
  const out: number[] = [];
  let unknown = n;
  for (let s = 0; s < steps; s++) {
    const len = Math.max(1, Math.min(unknown - 1, scheduledMaskCount(n, s, steps, opts.schedule, opts.precision)));
    out.push(len);
    unknown = len;
  }
  return out;
}
