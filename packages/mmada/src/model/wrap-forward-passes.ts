/**
 * A MaskPredictor with hooks around its forward passes, the plain call and, when the predictor has a key/value
 * cache, the cache's refreshes and windows. A plain call and a refresh see the whole sequence; a window only part
 * of it.
 */
import type { KeyValueCache, MaskPredictor } from '@mmada/diffusion';
import type { Tensor } from '@mmada/tensor';

export interface ForwardHooks {
  /** Awaited before each pass that sees the whole sequence (a plain call or a cache refresh), with its ids. */
  readonly beforeWhole?: (ids: Tensor) => void | Promise<void>;
  /** Called after every forward pass (plain, refresh or window). */
  readonly after?: () => void;
}

export function wrapForwardPasses(predictor: MaskPredictor, hooks: ForwardHooks): MaskPredictor {
  const { beforeWhole, after } = hooks;
  const wrapped = async (ids: Tensor, padMask?: Tensor) => {
    if (beforeWhole) await beforeWhole(ids);
    const logits = await predictor(ids, padMask);
    after?.();
    return logits;
  };
  const open = predictor.openKeyValueCache;
  if (!open) return wrapped;
  const openWrapped = (): KeyValueCache => {
    const cache = open();
    return {
      refresh: async (ids, padMask) => {
        if (beforeWhole) await beforeWhole(ids);
        const logits = await cache.refresh(ids, padMask);
        after?.();
        return logits;
      },
      window: async (ids, start) => {
        const logits = await cache.window(ids, start);
        after?.();
        return logits;
      },
      dispose: () => cache.dispose(),
    };
  };
  return Object.assign(wrapped, { openKeyValueCache: openWrapped });
}
