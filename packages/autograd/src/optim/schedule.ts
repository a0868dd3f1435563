/**
 * Learning-rate (or any hyperparameter) schedules: functions of the optimizer step, counted from 0 —
 * step s is the s-th call of `update`, as PyTorch's LambdaLR and optax count.
 */
export type Schedule = (step: number) => number;

/** A hyperparameter given as a constant or as a schedule. */
export type ScalarOrSchedule = number | Schedule;

/** The value of a hyperparameter at `step`. */
export function valueAt(x: ScalarOrSchedule, step: number): number {
  return typeof x === 'number' ? x : x(step);
}

export function constantSchedule(value: number): Schedule {
  return () => value;
}

/**
 * Linear warmup from 0 to `peak` over `warmupSteps`, then constant:
 * peak · step / max(1, warmupSteps) while step < warmupSteps (transformers' get_constant_schedule_with_warmup).
 */
export function linearWarmup(peak: number, warmupSteps: number): Schedule {
  return (step) => (step < warmupSteps ? (peak * step) / Math.max(1, warmupSteps) : peak);
}

export interface WarmupCosineOptions {
  /** Peak learning rate (reached at the end of warmup). */
  readonly peak: number;
  readonly warmupSteps: number;
  /** Total number of optimizer steps (warmup included). */
  readonly totalSteps: number;
  /** Floor of the decay as a fraction m of the peak (upstream MMaDA `min_lr_scale`, e.g. 0.1). Default 0. */
  readonly minLrScale?: number;
}

/**
 * Upstream MMaDA's schedule (`get_cosine_schedule_with_warmup` with `min_lr_scale`):
 *   step < W:  peak · step / max(1, W)
 *   else:      peak · (m + (1 − m) · ½(1 + cos(π · progress))),  progress = (step − W) / max(1, T − W)
 * progress is clamped to 1, so the rate stays at peak·m past totalSteps.
 */
export function warmupCosine({ peak, warmupSteps, totalSteps, minLrScale = 0 }: WarmupCosineOptions): Schedule {
  return (step) => {
    if (step < warmupSteps) return (peak * step) / Math.max(1, warmupSteps);
    const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
    return peak * (minLrScale + (1 - minLrScale) * 0.5 * (1 + Math.cos(Math.PI * progress)));
  };
}
