import {
  cast, concat, div, dispose, foldIn, key, logicalNot, mul, neg, reshape, scope, sliceAxis, split, sum, tensor, tile, where,
  zeros, ones, TensorError, type PRNGKey, type Tensor,
} from '@mmada/tensor';
import { textGuidance } from './guidance.js';
import { tokenCrossEntropy } from './log-probs.js';
import { maskExactCount } from './mask-exact-count.js';
import type { MaskPredictor } from './mask-predictor.js';
import { drawMaskLevel, monteCarloMaskCounts } from './monte-carlo-mask-counts.js';
import { predictLogits } from './predict.js';

export interface MonteCarloLikelihoodOptions {
  /** Number of masked samples (default 128). Must be a multiple of batchSize and ≥ batchSize (Quirk 8). */
  mcNum?: number;
  /** Rows per predictor call (default 16). */
  batchSize?: number;
  /** Text CFG scale (default 0); the unconditional copy masks the prompt, as in sampling. */
  cfgScale?: number;
  /** PRNG key (default key(0)); iteration j uses foldIn(key, j). */
  key?: PRNGKey;
  /** The mask token id of the model's vocabulary (MMaDA / LLaDA: 126336, `MMADA_SPECIAL_TOKENS.mask` in @mmada/mmada). */
  maskId: number;
}

export interface MonteCarloLikelihood {
  /** f32 scalar: the ELBO estimate, a lower bound on log p(answer | prompt). Differentiable. */
  elbo: Tensor;
  /** f32 [mcNum / batchSize]: each iteration's loss `Σ_{rows, masked} CE·L/l_i / bsz` (elbo = −their mean). */
  iterationLosses: Tensor;
  /** The mask counts l_i of every iteration's rows. */
  maskCounts: number[][];
}

/**
 * LLaDA's Monte-Carlo estimate of log p(answer | prompt) (`get_log_likelihood.py`): every iteration draws
 * k ~ U{1..L}, masks `l_i` evenly spaced counts of answer tokens in its rows (monteCarloMaskCounts; the
 * prompt is never masked), and weights the masked CE by L/l_i. `prompt` is [P] or [1, P], `answer` [L] or [1, L].
 */
export async function monteCarloLogLikelihood(
  predictor: MaskPredictor,
  prompt: Tensor,
  answer: Tensor,
  opts: MonteCarloLikelihoodOptions,
): Promise<MonteCarloLikelihood> {
  const mcNum = opts.mcNum ?? 128;
  const bsz = opts.batchSize ?? 16;
  const cfg = opts.cfgScale ?? 0;
  const maskId = opts.maskId;
  const op = 'monteCarloLogLikelihood';
  if (!(Number.isInteger(bsz) && bsz >= 1)) throw new TensorError(op, `batchSize must be a positive integer, got ${bsz}`);
  if (!(Number.isInteger(mcNum) && mcNum >= bsz && mcNum % bsz === 0)) {
    throw new TensorError(op, `mcNum (${mcNum}) must be a multiple of batchSize (${bsz}) and at least batchSize`);
  }
  const p = prompt.size;
  const l = answer.size;
  if (l < 1) throw new TensorError(op, 'the answer is empty');
  const iterations = mcNum / bsz;
  const root = opts.key ?? key(0);
  const maskCounts: number[][] = [];
  const losses: Tensor[] = [];
  try {
    for (let it = 0; it < iterations; it++) {
      const [kDraw, kPerm] = split(foldIn(root, it), 2) as [PRNGKey, PRNGKey];
      const counts = monteCarloMaskCounts(drawMaskLevel(kDraw, l), l, bsz);
      maskCounts.push(counts);
      losses.push(
        await scope(async () => {
          const seq = concat([reshape(cast(prompt, 'i32'), [1, p]), reshape(cast(answer, 'i32'), [1, l])], 1);
          const rows = tile(seq, [bsz, 1]);
          const maskable = concat([zeros([bsz, p], 'bool', { device: seq.device }), ones([bsz, l], 'bool', { device: seq.device })], 1);
          const masked = maskExactCount(kPerm, maskable, tensor(counts, [bsz], 'i32', { device: seq.device }));
          const noisy = where(masked, maskId, rows);
          let logits: Tensor;
          if (cfg > 0) {
            const un = where(logicalNot(maskable), maskId, noisy);
            const all = await predictLogits(predictor, concat([noisy, un], 0), undefined, op);
            logits = textGuidance(sliceAxis(all, 0, 0, bsz), sliceAxis(all, 0, bsz, 2 * bsz), cfg);
          } else logits = await predictLogits(predictor, noisy, undefined, op);
          const ce = tokenCrossEntropy(logits, rows);
          // CE / (l_i / L) at masked positions.
          const weight = tensor(counts.map((c) => l / c), [bsz, 1], 'f32', { device: seq.device });
          const weighted = where(masked, mul(ce, weight), 0);
          return div(sum(weighted), bsz);
        }),
      );
    }
    const { elbo, iterationLosses } = await scope(() => {
      const all = concat(losses.map((t) => reshape(t, [1])), 0);
      return { elbo: neg(div(sum(all), iterations)), iterationLosses: all };
    });
    return { elbo, iterationLosses, maskCounts };
  } finally {
    dispose(losses);
  }
}


