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
}

/** Runs an update body in a memory scope so its temporaries are freed. */
export function scoped<T>(fn: () => T): T {
  return scopeSync(fn);
}

/** Applies transformations in order; the state is the array of their states. */
export function chain(...transforms: readonly GradientTransformation<any>[]): GradientTransformation<unknown[]> {
  return {
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
  const { updates, state: nextState } = optimizer.update(grads, state, params);
  const nextParams = applyUpdates(params, updates);
  const survivors = new Set<Tensor>([...tensorLeaves(nextState), ...tensorLeaves(nextParams)]);
  for (const t of [...tensorLeaves(grads), ...tensorLeaves(updates), ...tensorLeaves(params), ...tensorLeaves(state)]) {
    if (!survivors.has(t)) t.dispose();
  }
  return { params: nextParams, state: nextState };
}
