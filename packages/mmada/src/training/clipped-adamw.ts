/**
 * The optimizer both trainers use: AdamW with decoupled weight decay (none on the `noDecay` names), after
 * clipping the global gradient norm to `clipNorm` (0: no clipping), on linear warmup then cosine decay to
 * `minLrScale`·lr over `steps`.
 */
import { adamw, chain, clipByGlobalNorm, warmupCosine, weightDecayMask, type GradientTransformation } from '@mmada/autograd';

export interface ClippedAdamWOptions {
  readonly steps: number;
  readonly learningRate: number;
  readonly warmupSteps: number;
  readonly minLrScale: number;
  readonly weightDecay: number;
  readonly noDecay: readonly string[];
  readonly b1: number;
  readonly b2: number;
  readonly adamEps: number;
  readonly clipNorm: number;
}

export function clippedAdamW<S>(params: unknown, o: ClippedAdamWOptions): { optimizer: GradientTransformation<S>; schedule: (s: number) => number } {
  const schedule = warmupCosine({ peak: o.learningRate, warmupSteps: o.warmupSteps, totalSteps: o.steps, minLrScale: o.minLrScale });
  const adam = adamw(schedule, { b1: o.b1, b2: o.b2, eps: o.adamEps, weightDecay: o.weightDecay, mask: weightDecayMask(params, o.noDecay) });
  const optimizer = (o.clipNorm > 0 ? chain(clipByGlobalNorm(o.clipNorm), adam) : chain(adam)) as GradientTransformation<S>;
  return { optimizer, schedule };
}
