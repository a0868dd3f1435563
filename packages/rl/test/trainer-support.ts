/** A tiny random MMaDA model as an RlPolicy, and toy prompts with rewards that vary, for the trainer tests. */
import { createModel, maskPredictorForward, MODEL_ZOO, type MaskPredictorParameters } from '@mmada/mmada';
import { deviceFromEnv, key } from '@mmada/tensor';
import type { ImageRlPrompt, RlPolicy, TextRlPrompt } from '../src/index.js';

export const device = deviceFromEnv() ?? 'cpu';
const config = MODEL_ZOO['mmada-tiny'];

export function tinyPolicy(seed = 1): RlPolicy<MaskPredictorParameters> {
  const model = createModel(config, key(seed), { device, std: 0.3 });
  return {
    params: model.params,
    forward: (p, ids, padMask) => maskPredictorForward(p, config, ids, padMask ? { padMask } : {}),
    maskId: config.maskTokenId,
    eosId: config.eosTokenId,
    stopIds: [config.eosTokenId, 296],
  };
}

/** Text prompts of different lengths; reward = mean generated id / 280 (varies from row to row) and the length. */
export function toyTextPrompts(n: number, task = 'toy-text'): TextRlPrompt[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 'text' as const,
    task,
    ids: Array.from({ length: 3 + (i % 3) }, (_, j) => (i * 7 + j * 13) % 280),
    reward: (c) => ({
      score: c.ids.length ? c.ids.reduce((a, b) => a + b, 0) / c.ids.length / 280 : 0,
      short: c.truncated ? 0 : 1,
    }),
  }));
}

/** t2i-layout prompts over the tiny codebook (4 image tokens); reward = fraction of even codes. */
export function toyImagePrompts(n: number): ImageRlPrompt[] {
  const N = 4;
  return Array.from({ length: n }, (_, i) => {
    const text = [286, 280, 10 + i, 20 + i, 281, 282];
    return {
      kind: 'image' as const,
      task: 'toy-t2i',
      ids: [...text, ...new Array<number>(N).fill(config.maskTokenId), 283],
      imageStart: text.length,
      numImageTokens: N,
      codebookOffset: 297,
      codebookSize: 16,
      reward: (codes) => ({ even: codes.filter((c) => c % 2 === 0).length / codes.length }),
    };
  });
}
