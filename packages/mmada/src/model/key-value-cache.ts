/**
 * The model's block-wise approximate key/value cache (@mmada/diffusion `KeyValueCache`, Fast-dLLM): a refresh
 * runs the full forward and keeps every layer's keys (after RoPE) and values for all positions; a window
 * forward embeds only its own positions and, in every layer, attends to their fresh keys/values spliced
 * between the cached ones before and after them.
 */
import type { KeyValueCache } from '@mmada/diffusion';
import { add, cast, concat, dispose, keep, mul, ne, reshape, scopeSync, sliceAxis, sub, TensorError, type Tensor } from '@mmada/tensor';
import { alibiBias } from './alibi-bias.js';
import { checkInputs, transformerLogits } from './forward.js';
import type { MaskPredictorModel } from './mask-predictor-model.js';

/** The score the attention kernel adds for a masked (pad) key; the same value, so windows match the full forward. */
const PAD_SCORE = -3.4028235e38;

export interface KeyValueCacheOptions {
  /** Attend everywhere even when a pad mask is given (legacy upstream behaviour; spec Quirk 9.1). */
  readonly ignorePadMask?: boolean;
}

interface Cached {
  readonly keys: Tensor[];
  readonly values: Tensor[];
  /** [B, 1, 1, L] additive key bias from the pad mask (0 real, PAD_SCORE pad), or none. */
  readonly bias: Tensor | undefined;
  readonly batch: number;
  readonly length: number;
}

/** A fresh, empty key/value cache over the model. */
export function openKeyValueCache(model: MaskPredictorModel, options: KeyValueCacheOptions = {}): KeyValueCache {
  const { params, config } = model;
  let cached: Cached | undefined;
  const free = () => {
    if (cached) dispose([cached.keys, cached.values, cached.bias]);
    cached = undefined;
  };
  return {
    refresh(ids, padMask) {
      const pm = options.ignorePadMask ? undefined : padMask;
      checkInputs(config, ids, pm);
      free();
      const keys: Tensor[] = [];
      const values: Tensor[] = [];
      const logits = transformerLogits(params, config, ids, 0, pm, (layer, k, v) => {
        keys[layer] = keep(k);
        values[layer] = keep(v);
        return undefined;
      });
      const [b, l] = ids.shape as [number, number];
      cached = { keys, values, bias: pm ? keep(keyBias(pm, b, l)) : undefined, batch: b, length: l };
      return logits;
    },
    window(ids, start) {
      const c = cached;
      if (!c) throw new TensorError('keyValueCache.window', 'the cache is empty: call refresh(ids) first');
      checkInputs(config, ids, undefined);
      const [b, w] = ids.shape as [number, number];
      const end = start + w;
      if (b !== c.batch || !Number.isInteger(start) || start < 0 || end > c.length) {
        throw new TensorError('keyValueCache.window', `ids [${b}, ${w}] at start ${start} do not fit the cached sequence [${c.batch}, ${c.length}]`);
      }
      const splice = (cachedT: Tensor, fresh: Tensor): Tensor => {
        const parts = [...(start > 0 ? [sliceAxis(cachedT, 2, 0, start)] : []), fresh, ...(end < c.length ? [sliceAxis(cachedT, 2, end, c.length)] : [])];
        return parts.length > 1 ? concat(parts, 2) : fresh;
      };
      // With ALiBi the window's queries (start … end−1) see every cached key at its distance; made once per window.
      const alibi = config.alibiBiasMax === undefined ? undefined : alibiBias(config.nHeads, config.alibiBiasMax, start, w, 0, c.length, ids.device);
      const bias = alibi && c.bias ? add(c.bias, alibi) : (alibi ?? c.bias);
      try {
        return transformerLogits(params, config, ids, start, undefined, (layer, k, v) => ({
          k: splice(c.keys[layer]!, k),
          v: splice(c.values[layer]!, v),
          bias,
        }));
      } finally {
        if (alibi) dispose(bias === alibi ? [alibi] : [alibi, bias!]);
      }
    },
    dispose: free,
  };
}

/** Pad mask [B, L] (nonzero = real) → additive key bias [B, 1, 1, L]: 0 for real keys, PAD_SCORE for pads. */
function keyBias(padMask: Tensor, b: number, l: number): Tensor {
  return scopeSync(() => reshape(mul(sub(cast(ne(padMask, 0), 'f32'), 1), -PAD_SCORE), [b, 1, 1, l]));
}
