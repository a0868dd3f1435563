import { isFloat, type Tensor } from '@mmada/tensor';
import { flatten, isTensor, unflatten } from './pytree.js';
import { traceForward } from './forward-trace.js';

/** The result of `vjp`: the primal output and its pullback. */
export interface VjpResult<O, Ps extends unknown[]> {
  /** f's output (owned by the caller). */
  readonly out: O;
  /**
   * Pulls a cotangent with the structure of `out` (tensor leaves; null/undefined leaves mean zero) back to one
   * gradient per primal, each with that primal's structure. Frees the saved tensors: call it once.
   */
  readonly backward: (cotangent: unknown) => Ps;
  /** Frees the saved tensors without running backward. */
  readonly release: () => void;
}

/**
 * Evaluates `f(...primals)` and records what is needed to pull cotangents back to every primal (pytrees).
 * f may be async; like valueAndGrad, it runs inside a memory scope.
 */
export async function vjp<Ps extends unknown[], O>(f: (...primals: Ps) => O | Promise<O>, ...primals: Ps): Promise<VjpResult<O, Ps>> {
  const flat = primals.map((p) => flatten(p));
  const wrt = flat.flatMap((fl) => fl.leaves.filter(isTensor));
  const { result, trace } = await traceForward(wrt, () => f(...primals));
  let used = false;
  const release = () => {
    used = true;
    trace.dispose();
  };
  const backward = (cotangent: unknown): Ps => {
    if (used) throw new Error('vjp: backward was already called (or released); the saved tensors are gone');
    try {
      const outLeaves = flatten(result).leaves;
      const ctLeaves = flatten(cotangent).leaves;
      const outputs: Tensor[] = [];
      const cts: (Tensor | null)[] = [];
      outLeaves.forEach((o, i) => {
        if (!isTensor(o) || !isFloat(o.dtype)) return;
        const c = ctLeaves[i];
        if (c !== null && c !== undefined && !isTensor(c)) throw new Error(`vjp: cotangent leaf ${i} is not a tensor`);
        if (isTensor(c) && c.shape.join() !== o.shape.join()) {
          throw new Error(`vjp: cotangent [${c.shape.join(', ')}] does not match output [${o.shape.join(', ')}]`);
        }
        outputs.push(o);
        cts.push(isTensor(c) ? c : null);
      });
      const grads = trace.backward(outputs, cts, wrt);
      let k = 0;
      return flat.map((fl) => unflatten(fl.treedef, fl.leaves.map((l) => (isTensor(l) ? grads[k++] : l)))) as Ps;
    } finally {
      release();
    }
  };
  return { out: result, backward, release };
}
