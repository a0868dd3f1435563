import { TensorError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { gather } from './indexing.js';

/** Rows of `table` [V, d] picked by integer `ids` [...] -> [..., d] (a gather on axis 0; out-of-range ids read 0). */
export function embedding(table: Tensor, ids: Tensor): Tensor {
  if (table.rank !== 2) throw new TensorError('embedding', `table must be [V, d], got ${fmtShape(table.shape)}`);
  if (ids.dtype !== 'i32' && ids.dtype !== 'u32') throw new TensorError('embedding', `ids must be i32, got ${ids.dtype}`);
  return gather(table, ids, 0);
}
