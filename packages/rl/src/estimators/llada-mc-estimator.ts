import { cast, concat, dispose, reshape, sliceAxis, where, zeros, type Tensor } from '@mmada/tensor';
import { monteCarloLogLikelihood, type MaskPredictor } from '@mmada/diffusion';
import type { EstimateContext, LikelihoodEstimate, LikelihoodEstimator } from './likelihood-estimator.js';
import { checkBatch, sampleIdsOf, type RolloutBatch } from './rollout-batch.js';
import { maskKey } from './rollout-key.js';

export interface LladaMcEstimatorOptions {
  /** Monte-Carlo samples per completion (LLaDA's default 128; the paper's VRPO uses fewer). */
  readonly mcNum: number;
  /** Rows per predictor call (default min(mcNum, 16)); mcNum must be a multiple of it. */
  readonly batchSize?: number;
  /** Text CFG scale of the estimate (default 0). */
  readonly cfgScale?: number;
}

/**
 * LLaDA's Monte-Carlo ELBO of log p(completion | prompt) (spec diffusion.md §5) per row: the prompt is never
 * masked, `mcNum` masked copies of the completion (evenly spaced mask counts) are scored, weighted by L/l.
 * The estimate is sequence-level only, so the ratio is too: `tokenLogp` repeats the row's ELBO at each of its
 * completion tokens — every token then sees ρ = exp(ELBO − ELBO_old), and the per-row mean of the token loss
 * (lossType 'grpo') is exactly the sequence-level loss. `sequenceLogp` holds the ELBOs themselves.
 * Costly: mcNum sequence forwards per completion. Completion tokens must start at the row's prompt length;
 * with a pad mask, the prompt's pad positions are left out. A row with an empty completion mask scores 0.
 */
export function lladaMcEstimator(options: LladaMcEstimatorOptions): LikelihoodEstimator {
  const { mcNum } = options;
  const batchSize = options.batchSize ?? Math.min(mcNum, 16);
  if (!Number.isInteger(mcNum) || mcNum < 1) throw new RangeError(`lladaMcEstimator: mcNum must be a positive integer, got ${mcNum}`);
  if (mcNum % batchSize !== 0) throw new RangeError(`lladaMcEstimator: mcNum (${mcNum}) must be a multiple of batchSize (${batchSize})`);
  return {
    name: 'llada-mc',
    passesPerSample: mcNum,
    forwardPasses: (batch) => batch.ids.shape[0]! * mcNum,
    async estimate(model: MaskPredictor, batch: RolloutBatch, ctx: EstimateContext): Promise<LikelihoodEstimate> {
      const [b, l] = checkBatch(batch, 'lladaMcEstimator');
      const samples = sampleIdsOf(batch);
      const completion = await readInts(batch.completionMask);
      const pads = batch.padMask ? await readInts(batch.padMask) : undefined;
      const elbos: Tensor[] = [];
      try {
        for (let r = 0; r < b; r++) {
          const p = batch.promptLength[r]!;
          const row = completion.slice(r * l, (r + 1) * l);
          const n = row.reduce((a, v) => a + (v ? 1 : 0), 0);
          if (n === 0) {
            // A row taken out of the loss (e.g. a truncated completion): nothing to score.
            elbos.push(zeros([1], 'f32', { device: batch.ids.device }));
            continue;
          }
          if (row.slice(p, p + n).some((v) => !v)) {
            throw new RangeError(`lladaMcEstimator: row ${r}'s completion must be one run starting at its prompt length ${p}`);
          }
          let start = 0;
          if (pads) while (start < p && !pads[r * l + start]) start++;
          const ids = sliceAxis(batch.ids, 0, r, r + 1);
          const prompt = sliceAxis(ids, 1, start, p);
          const answer = sliceAxis(ids, 1, p, p + n);
          try {
            const mc = await monteCarloLogLikelihood(model, prompt, answer, {
              mcNum, batchSize, cfgScale: options.cfgScale ?? 0, maskId: batch.maskId,
              key: maskKey(ctx.key, ctx.iteration, samples[r]!),
            });
            elbos.push(reshape(mc.elbo, [1]));
            dispose([mc.elbo, mc.iterationLosses]);
          } finally {
            dispose([ids, prompt, answer]);
          }
        }
        const sequenceLogp = elbos.length === 1 ? reshape(elbos[0]!, [1]) : concat(elbos, 0);
        const mask = cast(batch.completionMask, 'bool');
        const column = reshape(sequenceLogp, [b, 1]);
        const tokenLogp = where(mask, column, 0);
        column.dispose();
        return { tokenLogp, mask, copies: 1, sequenceLogp };
      } finally {
        dispose(elbos);
      }
    },
  };
}

/** The values of an int / bool tensor as numbers (one readback). */
async function readInts(t: Tensor): Promise<number[]> {
  const c = cast(t, 'i32');
  try {
    return Array.from(await c.data()) as number[];
  } finally {
    c.dispose();
  }
}
