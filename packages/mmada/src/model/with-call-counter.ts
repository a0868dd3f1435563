/** A MaskPredictor that reports how many times it has been called (progress of a sampler run). */
import type { KeyValueCache, MaskPredictor } from '@mmada/diffusion';

export function withCallCounter(predictor: MaskPredictor, onCall: ((calls: number) => void) | undefined): MaskPredictor {
  if (!onCall) return predictor;
  let calls = 0;
  const counted = async (ids: Parameters<MaskPredictor>[0], padMask?: Parameters<MaskPredictor>[1]) => {
    const logits = await predictor(ids, padMask);
    onCall(++calls);
    return logits;
  };
  const open = predictor.openKeyValueCache;
  if (!open) return counted;
  // A cached run's refreshes and windows are forward passes too.
  const openCounted = (): KeyValueCache => {
    const cache = open();
    return {
      refresh: async (ids, padMask) => {
        const logits = await cache.refresh(ids, padMask);
        onCall(++calls);
        return logits;
      },
      window: async (ids, start) => {
        const logits = await cache.window(ids, start);
        onCall(++calls);
        return logits;
      },
      dispose: () => cache.dispose(),
    };
  };
  return Object.assign(counted, { openKeyValueCache: openCounted });
}
