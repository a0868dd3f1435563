import type { Tensor } from '@mmada/tensor';

/**
 * A block-wise approximate key/value cache of a mask predictor (Fast-dLLM). `refresh` runs the full forward
 * and remembers every layer's keys and values; `window` then recomputes only a contiguous run of positions,
 * attending to their fresh keys/values and to the remembered ones of every other position. Bidirectional
 * attention makes this approximate: the remembered keys/values go stale as tokens are committed, until the
 * next refresh. The semi-autoregressive sampler refreshes at the first step of each block.
 */
export interface KeyValueCache {
  /**
   * Logits [B, L, V] for ids [B, L] (pad mask [B, L] as for the predictor, kept for the windows); the
   * predictor's exact answer. Replaces what the cache held.
   */
  refresh(ids: Tensor, padMask?: Tensor): Tensor | Promise<Tensor>;
  /**
   * Logits [B, w, V] for ids [B, w] standing at positions start..start+w−1 of the last refreshed sequence,
   * whose other positions are read from the cache. Equal to the refresh's logits there while those ids are
   * unchanged. The result belongs to the caller.
   */
  window(ids: Tensor, start: number): Tensor | Promise<Tensor>;
  /** Frees the cached tensors (the cache may be refreshed again afterwards). */
  dispose(): void;
}

/**
 * Which positions a cached step recomputes: `'prefix'` the current block and everything after it (the prefix
 * before the block is cached), `'dual'` the current block only (prefix and suffix cached). `'none'`: exact.
 */
export type KeyValueCacheMode = 'none' | 'prefix' | 'dual';
