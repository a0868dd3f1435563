import { add, div, mul, sqrt, square, sub, zerosLike, type Tensor } from '@mmada/tensor';
import { mapTensors } from '../pytree.js';
import { valueAt, type ScalarOrSchedule } from './schedule.js';
import { scoped, type GradientTransformation } from './transformation.js';
import { resolveMask, type WeightDecayMask } from './weight-decay-mask.js';

export interface AdamOptions {
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
}

export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay λ (PyTorch AdamW's default 0.01; upstream MMaDA uses 0.01). May be a schedule. */
  readonly weightDecay?: ScalarOrSchedule;
  /**
   * Which parameters decay: a boolean tree like the params or a function of the key path (see
   * `weightDecayMask` / `decayUnlessNameContains`). Default: all.
   */
  readonly mask?: WeightDecayMask;
}

/** Step count and the first/second moment trees (f32, like the params). */
export interface AdamState {
  readonly count: number;
  readonly mu: unknown;
  readonly nu: unknown;
}

/**
 * PyTorch's Adam/AdamW step, in the same arithmetic order (t = count + 1, lr = lr(count)):
 *   m ← β1·m + (1−β1)·g;   v ← β2·v + (1−β2)·g²
 *   update = −(lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε)  −  lr·λ·p   (the decay term only where masked in)
 */
function adamCore(learningRate: ScalarOrSchedule, options: AdamWOptions, decoupled: boolean): GradientTransformation<AdamState> {
  const b1 = options.b1 ?? 0.9;
  const b2 = options.b2 ?? 0.999;
  const eps = options.eps ?? 1e-8;
  return {
    init: (params) => ({ count: 0, mu: mapTensors(params, (p) => zerosLike(p, 'f32')), nu: mapTensors(params, (p) => zerosLike(p, 'f32')) }),
    update(updates, state, params) {
      const t = state.count + 1;
      const lr = valueAt(learningRate, state.count);
      const wd = decoupled ? valueAt(options.weightDecay ?? 0.01, state.count) : 0;
      const bc1 = 1 - b1 ** t;
      const bc2 = 1 - b2 ** t;
      const stepSize = lr / bc1;
      const decays = resolveMask(params, options.mask);
      if (wd !== 0 && params === undefined) throw new Error('adamw: update needs params for weight decay');
      return scoped(() => {
        const mu = mapTensors(updates, (g: Tensor, _p: string, m: Tensor) => add(mul(m, b1), mul(g, 1 - b1)), state.mu);
        const nu = mapTensors(updates, (g: Tensor, _p: string, v: Tensor) => add(mul(v, b2), mul(square(g), 1 - b2)), state.nu);
        const out = mapTensors(
          updates,
          (_g: Tensor, path: string, m: Tensor, v: Tensor, p: Tensor | undefined) => {
            const denom = add(div(sqrt(v), Math.sqrt(bc2)), eps);
            const adamStep = mul(div(m, denom), -stepSize);
            return wd !== 0 && p && decays(path) ? sub(adamStep, mul(p, lr * wd)) : adamStep;
          },
          mu,
          nu,
          params ?? updates,
        );
        return { updates: out, state: { count: t, mu, nu } };
      });
    },
  };
}

/** Adam (Kingma & Ba), PyTorch's formula; hyperparameters may be schedules. */
export function adam(learningRate: ScalarOrSchedule, options: AdamOptions = {}): GradientTransformation<AdamState> {
  return adamCore(learningRate, options, false);
}

/**
 * AdamW (Loshchilov & Hutter) exactly as torch.optim.AdamW: the decay p ← p − lr·λ·p uses the scheduled
 * learning rate and the parameters before the step. Upstream MMaDA: β 0.9/0.999, ε 1e-8, λ 0.01 with
 * `mask: weightDecayMask(params)` (no decay for biases, norm weights and embeddings).
 */
export function adamw(learningRate: ScalarOrSchedule, options: AdamWOptions = {}): GradientTransformation<AdamState> {
  return adamCore(learningRate, options, true);
}
