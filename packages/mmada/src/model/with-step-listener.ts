/**
 * A MaskPredictor that shows each forward pass's input ids to a listener first: the sampler's state after
 * every denoising step, which lets a UI stream an answer or an image as it is unmasked.
 */
import type { KeyValueCache, MaskPredictor } from '@mmada/diffusion';

/** Receives the ids [B, L] a forward pass is about to see (with guidance, the conditional rows come first). */
export type StepListener = (ids: number[][]) => void | Promise<void>;

export function withStepListener(predictor: MaskPredictor, onStep: StepListener | undefined): MaskPredictor {
  if (!onStep) return predictor;
  // A readback per step: only paid when someone listens.
  const show = async (ids: Parameters<MaskPredictor>[0]) => onStep((await ids.array()) as number[][]);
  const listened = async (ids: Parameters<MaskPredictor>[0], padMask?: Parameters<MaskPredictor>[1]) => {
    await show(ids);
    return predictor(ids, padMask);
  };
  const open = predictor.openKeyValueCache;
  if (!open) return listened;
  // With a key/value cache, a refresh sees the whole sequence; a window only part of it, so it is not shown.
  const openListened = (): KeyValueCache => {
    const cache = open();
    return {
      refresh: async (ids, padMask) => {
        await show(ids);
        return cache.refresh(ids, padMask);
      },
      window: (ids, start) => cache.window(ids, start),
      dispose: () => cache.dispose(),
    };
  };
  return Object.assign(listened, { openKeyValueCache: openListened });
}
