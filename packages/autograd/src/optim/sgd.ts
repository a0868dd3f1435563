import { add, mul, zerosLike, type Tensor } from '@mmada/tensor';
import { mapTensors } from '../pytree.js';
import { valueAt, type ScalarOrSchedule } from './schedule.js';
import { scoped, type GradientTransformation } from './transformation.js';

export interface SgdOptions {
  /** Momentum coefficient μ (default 0: plain SGD). */
  readonly momentum?: number;
  /** Nesterov momentum (PyTorch's form). */
  readonly nesterov?: boolean;
}

export interface SgdState {
  readonly count: number;
  /** The momentum buffer (absent without momentum). */
  readonly trace?: unknown;
}

/**
 * Stochastic gradient descent, PyTorch's formula (dampening 0): b ← μ·b + g; step direction d = g + μ·b with
 * Nesterov, else b (or g without momentum); update = −lr(step)·d. The buffer starts at 0, so the first b is g.
 */
export function sgd(learningRate: ScalarOrSchedule, options: SgdOptions = {}): GradientTransformation<SgdState> {
  const mu = options.momentum ?? 0;
  return {
    init: (params) => (mu > 0 ? { count: 0, trace: mapTensors(params, (p) => zerosLike(p, 'f32')) } : { count: 0 }),
    update(updates, state) {
      const lr = valueAt(learningRate, state.count);
      return scoped(() => {
        if (mu === 0) return { updates: mapTensors(updates, (g: Tensor) => mul(g, -lr)), state: { count: state.count + 1 } };
        const trace = mapTensors(state.trace as typeof updates, (b: Tensor, _p: string, g: Tensor) => add(mul(b, mu), g), updates);
        const out = mapTensors(
          updates,
          (g: Tensor, _p: string, b: Tensor) => mul(options.nesterov ? add(g, mul(b, mu)) : b, -lr),
          trace,
        );
        return { updates: out, state: { count: state.count + 1, trace } };
      });
    },
  };
}
