import { add, cast, scopeSync, type Tensor } from '@mmada/tensor';
import { mapTensors, tensorLeaves } from '../pytree.js';

/**
 * An optax-style gradient transformation: pure functions from (updates, state, params) to new updates and
 * state. Trees of tensors go in and fresh trees come out; no input is modified or freed. State is a pytree of
 * tensors and plain numbers (so it saves to a checkpoint).
 */
export interface GradientTransformation<S = unknown> {
  init<P>(params: P): S;
  update<P>(updates: P, state: S, params?: P): { updates: P; state: S };
  /**
   * Optional fused path: the new parameters in one pass — what `applyUpdates(params, update(grads·gradScale,
   * state, params).updates)` gives, with the same arithmetic — and the new state. `gradScale` (f32 [1]) multiplies
   * the gradients first. `optimizerStep` uses it when present.
   */
  step?<P>(grads: P, state: S, params: P, gradScale?: Tensor | GlobalNormClip): { params: P; state: S };
  /**
   * Optional: for a transformation that only multiplies every update by one factor (clipByGlobalNorm), that factor
   * as an f32 [1] on the device, and the new state — so `chain` can hand it to the next transformation's `step`.
   */
  scaleOf?<P>(updates: P, state: S): { scale: Tensor; state: S };
  /** Set by clipByGlobalNorm: its max norm, so that `chain` can hand the clip itself to the next `step`. */
  readonly clipNorm?: number;
}

/** A global-norm clip a `step` applies itself: the gradients scaled by min(maxNorm / (‖g‖ + 1e-6), 1). */
export interface GlobalNormClip {
  readonly maxNorm: number;
}

/** Runs an update body in a memory scope so its temporaries are freed. */
export function scoped<T>(fn: () => T): T {
  return scopeSync(fn);
}

/** Applies transformations in order; the state is the array of their states. */
export function chain(...transforms: readonly GradientTransformation<any>[]): GradientTransformation<unknown[]> {
  const [first, second] = transforms;
  // A fused step exists for one transformation with `step`, or a scaler (clipByGlobalNorm) followed by one.
  const fused =
    transforms.length === 1 && first!.step
      ? <P>(grads: P, state: unknown[], params: P) => {
          const r = first!.step!(grads, state[0], params);
          return { params: r.params, state: [r.state] };
        }
      : transforms.length === 2 && first!.clipNorm !== undefined && second!.step
        ? <P>(grads: P, state: unknown[], params: P) => {
            // the clip inside the step: its norm from the gradients the step packs anyway
            const r = second!.step!(grads, state[1], params, { maxNorm: first!.clipNorm! });
            return { params: r.params, state: [state[0], r.state] };
          }
      : transforms.length === 2 && first!.scaleOf && second!.step
        ? <P>(grads: P, state: unknown[], params: P) => {
            const s = first!.scaleOf!(grads, state[0]);
            const r = second!.step!(grads, state[1], params, s.scale);
            s.scale.dispose();
            return { params: r.params, state: [s.state, r.state] };
          }
        : undefined;
  return {
    ...(fused ? { step: fused } : {}),
    init: (params) => transforms.map((t) => t.init(params)),
    update(updates, state, params) {
      let current = updates;
      const next: unknown[] = [];
      transforms.forEach((t, i) => {
        const r = t.update(current, state[i], params);
        if (current !== updates) {
          const carried = new Set(tensorLeaves(r.updates));
          for (const x of tensorLeaves(current)) if (!carried.has(x)) x.dispose();
        }
        current = r.updates;
        next.push(r.state);
      });
      return { updates: current, state: next };
    },
  };
}

/** params + updates, leaf by leaf (in each param's dtype). New tensors; nothing is freed. */
export function applyUpdates<P>(params: P, updates: P): P {
  return mapTensors(params, (p: Tensor, _path: string, u: Tensor) =>
    scopeSync(() => {
      const s = add(p, u);
      return s.dtype === p.dtype ? s : cast(s, p.dtype);
    }),
  updates);
}

/**
 * One optimizer step that owns its inputs: computes the updates, applies them, and frees the gradients,
 * the updates, the old parameters and the old state (tensors carried unchanged into the new state are kept).
 * Returns the new parameters and state.
 */
export function optimizerStep<P, S>(optimizer: GradientTransformation<S>, params: P, grads: P, state: S): { params: P; state: S } {
  if (optimizer.step) {
    const r = optimizer.step(grads, state, params);
    const keep = new Set<Tensor>([...tensorLeaves(r.state), ...tensorLeaves(r.params)]);
    for (const t of [...tensorLeaves(grads), ...tensorLeaves(params), ...tensorLeaves(state)]) if (!keep.has(t)) t.dispose();
    return r;
  }
  const { updates, state: nextState } = optimizer.update(grads, state, params);
  const nextParams = applyUpdates(params, updates);
  const survivors = new Set<Tensor>([...tensorLeaves(nextState), ...tensorLeaves(nextParams)]);
  for (const t of [...tensorLeaves(grads), ...tensorLeaves(updates), ...tensorLeaves(params), ...tensorLeaves(state)]) {
    if (!survivors.has(t)) t.dispose();
  }
  return { params: nextParams, state: nextState };
}
