import type { Tensor } from '@mmada/tensor';

/**
 * A batch of generated completions, as the likelihood estimators see it. Row b is
 * `ids[b] = prompt (positions 0 … promptLength[b]−1, left pads included) ++ generated part`.
 * The batch never owns its tensors: estimators read them and return new ones.
 */
export interface RolloutBatch {
  /** i32 [B, L]: prompt ++ generated tokens (the generated part may run on past the first EOS). */
  readonly ids: Tensor;
  /** Per row, where its generated part starts. */
  readonly promptLength: readonly number[];
  /**
   * bool / int [B, L]: the completion tokens the loss is about — the generated tokens up to and including the
   * first EOS (`maskTruncatedCompletions` may zero whole rows). Must lie in the generated part.
   */
  readonly completionMask: Tensor;
  /** The MASK token id of the model. */
  readonly maskId: number;
  /** [B, L], 1 = real token, 0 = padding; handed to the predictor as its pad mask. d1 passes none. */
  readonly padMask?: Tensor;
  /**
   * Per row, its index in the whole generation batch (default 0 … B−1). Masks are keyed by it, so a row gets
   * the same mask whichever micro-batch it is scored in.
   */
  readonly sampleIds?: readonly number[];
  /**
   * Per row, the index of the prompt it answers. Rows of one prompt share UniGRPO's t₁ (Algorithm 1).
   * Default: `sampleIds` (one t₁ per completion).
   */
  readonly groupIds?: readonly number[];
}

/** @internal The rows' sample ids, checked. */
export function sampleIdsOf(batch: RolloutBatch): readonly number[] {
  const b = batch.ids.shape[0]!;
  const ids = batch.sampleIds ?? Array.from({ length: b }, (_, i) => i);
  if (ids.length !== b) throw new RangeError(`RolloutBatch: ${ids.length} sampleIds for ${b} rows`);
  return ids;
}

/** @internal The rows' group ids (default: their sample ids), checked. */
export function groupIdsOf(batch: RolloutBatch): readonly number[] {
  const ids = batch.groupIds ?? sampleIdsOf(batch);
  if (ids.length !== batch.ids.shape[0]) throw new RangeError(`RolloutBatch: ${ids.length} groupIds for ${batch.ids.shape[0]} rows`);
  return ids;
}

/** @internal Checks the shapes of a batch; returns [B, L]. */
export function checkBatch(batch: RolloutBatch, op: string): [number, number] {
  const { ids, completionMask, promptLength, padMask } = batch;
  if (ids.rank !== 2) throw new RangeError(`${op}: ids must be [B, L], got [${ids.shape.join(', ')}]`);
  const [b, l] = ids.shape as [number, number];
  for (const [name, t] of [['completionMask', completionMask], ['padMask', padMask]] as const) {
    if (t && (t.rank !== 2 || t.shape[0] !== b || t.shape[1] !== l)) {
      throw new RangeError(`${op}: ${name} [${t.shape.join(', ')}] must match ids [${b}, ${l}]`);
    }
  }
  if (promptLength.length !== b) throw new RangeError(`${op}: ${promptLength.length} prompt lengths for ${b} rows`);
  for (const p of promptLength) {
    if (!Number.isInteger(p) || p < 0 || p > l) throw new RangeError(`${op}: prompt length ${p} outside [0, ${l}]`);
  }
  return [b, l];
}
