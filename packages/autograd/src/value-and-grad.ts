import { forEachTensor, isFloat, onesLike, type Tensor } from '@mmada/tensor';
import { flatten, isTensor, unflatten } from './pytree.js';
import { traceForward } from './forward-trace.js';

export interface GradOptions {
  /** f returns `[loss, aux]`; aux (any pytree) is returned alongside and not differentiated. */
  readonly hasAux?: boolean;
}

/** What `valueAndGrad(f)` resolves to. `grads` has the structure of the first argument. */
export interface ValueAndGrad<P, X = undefined> {
  readonly value: Tensor;
  readonly grads: P;
  readonly aux: X;
}

type MaybePromise<T> = T | Promise<T>;

function checkLoss(value: unknown): Tensor {
  if (!isTensor(value) || value.size !== 1 || !isFloat(value.dtype)) {
    const what = isTensor(value) ? `a ${value.dtype} tensor of shape [${value.shape.join(', ')}]` : typeof value;
    throw new Error(`valueAndGrad: f must return a float tensor with one element (the loss), got ${what}`);
  }
  return value;
}

/**
 * Differentiates `f(params, ...args)` with respect to `params` (a pytree: tensor leaves are differentiated,
 * non-tensor leaves pass through to the gradient tree unchanged). f may be async and returns a one-element
 * float loss — or `[loss, aux]` with `{ hasAux: true }`.
 *
 * f runs inside a memory scope: every tensor it creates and does not return is freed when it finishes;
 * tensors saved for the backward pass are freed when the gradient is computed. The caller owns `value`,
 * `grads` and the tensors of `aux`. Gradients of integer/bool leaves are zeros of their dtype.
 */
export function valueAndGrad<P, A extends unknown[]>(
  f: (params: P, ...args: A) => MaybePromise<Tensor>,
  options?: { readonly hasAux?: false },
): (params: P, ...args: A) => Promise<ValueAndGrad<P>>;
export function valueAndGrad<P, A extends unknown[], X>(
  f: (params: P, ...args: A) => MaybePromise<readonly [Tensor, X]>,
  options: { readonly hasAux: true },
): (params: P, ...args: A) => Promise<ValueAndGrad<P, X>>;
export function valueAndGrad<P, A extends unknown[]>(
  f: (params: P, ...args: A) => MaybePromise<unknown>,
  options: GradOptions = {},
): (params: P, ...args: A) => Promise<ValueAndGrad<P, unknown>> {
  return async (params: P, ...args: A) => {
    const { leaves, treedef } = flatten(params);
    const wrt = leaves.filter(isTensor);
    const { result, trace } = await traceForward(wrt, () => f(params, ...args));
    try {
      let value: Tensor;
      let aux: unknown;
      if (options.hasAux) {
        if (!Array.isArray(result) || result.length !== 2) throw new Error('valueAndGrad: with hasAux, f must return [loss, aux]');
        value = checkLoss(result[0]);
        aux = result[1];
      } else value = checkLoss(result);
      if (trace.entangledWith !== null) {
        throw new Error(
          `valueAndGrad: higher-order gradients (grad of grad) are not supported: the function differentiated here uses a tensor that an ` +
            `enclosing valueAndGrad/grad differentiates (first in ${trace.entangledWith}); compute the inner gradient outside the outer transform`,
        );
      }
      const seed = onesLike(value);
      const tensorGrads = trace.backward([value], [seed], wrt);
      seed.dispose();
      let k = 0;
      const grads = unflatten<P>(treedef, leaves.map((l) => (isTensor(l) ? tensorGrads[k++] : l)));
      return { value, grads, aux };
    } catch (e) {
      const inputs = new Set(wrt);
      forEachTensor(result, (t) => {
        if (!inputs.has(t)) t.dispose();
      });
      throw e;
    } finally {
      trace.dispose();
    }
  };
}

/** The gradient of `f` with respect to its first argument (see valueAndGrad); the loss is freed. */
export function grad<P, A extends unknown[]>(f: (params: P, ...args: A) => MaybePromise<Tensor>): (params: P, ...args: A) => Promise<P> {
  const vg = valueAndGrad(f);
  return async (params: P, ...args: A) => {
    const { value, grads } = await vg(params, ...args);
    value.dispose();
    return grads;
  };
}
