import { broadcastTo, gather, tensor, type Tensor } from '@mmada/tensor';
import type { MaskPredictor } from '../src/index.js';

/**
 * A predictor that ignores its input: position i of every row favours `targets[i]` with logit `margins[i]`
 * (all other logits 0), so the answer and the order of confidence are known by construction.
 */
export function fixedTablePredictor(targets: readonly number[], vocab: number, margins?: readonly number[]): MaskPredictor {
  const l = targets.length;
  const data = new Float32Array(l * vocab);
  targets.forEach((t, i) => {
    data[i * vocab + t] = margins ? margins[i]! : 5;
  });
  return (ids: Tensor) => {
    const table = tensor(data, [1, l, vocab], 'f32', { device: ids.device });
    const out = broadcastTo(table, [ids.shape[0]!, l, vocab]);
    table.dispose();
    return out;
  };
}

/** logits[b, i] = table[ids[b, i]]: an embedding-table lookup, cheap and input-dependent. */
export function embeddingTablePredictor(table: Float32Array, vocab: number): MaskPredictor {
  return (ids: Tensor) => {
    const t = tensor(table, [vocab, vocab], 'f32', { device: ids.device });
    const out = gather(t, ids, 0);
    t.dispose();
    return out;
  };
}
