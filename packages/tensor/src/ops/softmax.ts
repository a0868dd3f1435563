import { run1 } from '../engine.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { floatInput, releaseTemps, resultLike } from './nn-util.js';
import { transpose } from './layout.js';

/** Runs a last-axis primitive along any axis: other axes are swapped to the end and back. */
function alongAxis(op: 'softmax' | 'logSoftmax', x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(op, axis, x.rank);
  const xf = floatInput(op, 'x', x);
  const last = x.rank - 1;
  let y: Tensor;
  if (a === last) {
    y = run1(op, [xf], {}, { shape: xf.shape, dtype: 'f32' });
  } else {
    const perm = x.shape.map((_, i) => i);
    [perm[a], perm[last]] = [perm[last]!, perm[a]!];
    const xt = transpose(xf, perm);
    const yt = run1(op, [xt], {}, { shape: xt.shape, dtype: 'f32' });
    y = transpose(yt, perm);
    xt.dispose();
    yt.dispose();
  }
  releaseTemps([xf], [x]);
  return resultLike(y, x.dtype);
}

/** exp(x) / Σ exp(x) along `axis` (default last), computed stably in f32. f16 in gives f16 out. */
export const softmax = (x: Tensor, axis = -1): Tensor => alongAxis('softmax', x, axis);

/** x - logΣexp(x) along `axis` (default last), computed stably in f32. f16 in gives f16 out. */
export const logSoftmax = (x: Tensor, axis = -1): Tensor => alongAxis('logSoftmax', x, axis);
