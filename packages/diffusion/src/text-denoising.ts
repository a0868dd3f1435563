import {
  add, arange, argmax, concat, dispose, eq, exp, foldIn, ge, gumbel, key, logicalAnd, logicalOr, lt, mul,
  reshape, scope, sliceAxis, split, sub, sum, topk, uniform, where, TensorError,
  type PRNGKey, type Tensor,
} from '@mmada/tensor';
import { textGuidance } from './guidance.js';
import { tokenLogProbs } from './log-probs.js';
import type { MaskPredictor } from './mask-predictor.js';
import { numTransferPerRow } from './num-transfer.js';
import { predictLogits } from './predict.js';
import { rankAlongLastAxis } from './ranks.js';
import { LLADA_EOS_ID, LLADA_EOT_ID, LLADA_MASK_ID } from './token-ids.js';

/**
 * How a step scores the masked positions it may commit:
 * - `'low_confidence'`: softmax(logits)[x0] of the un-noised logits (no temperature), highest first.
 * - `'random'`: U(0, 1).
 * - `'margin_confidence'`: top-1 minus top-2 probability of the same softmax.
 */
export type Remasking = 'low_confidence' | 'random' | 'margin_confidence';

/** Options shared by the text samplers (semi-autoregressive, infilling). */
export interface TextDenoiseOptions {
  /** PRNG key for Gumbel noise and random remasking (default key(0)). Step s uses foldIn(key, s). */
  key?: PRNGKey;
  /** Gumbel-max temperature: 0 (default) is argmax; otherwise x0 = argmax(logits + τ·g), g ~ Gumbel. */
  temperature?: number;
  /** Default 'low_confidence'. */
  remasking?: Remasking;
  /** Text classifier-free guidance scale (default 0 = off): `un + (cfg + 1)·(cond − un)`. */
  cfgScale?: number;
  /** Set the EOS logit to −∞ before choosing x0 (LLaDA `logits_eos_inf`). */
  logitsEosInf?: boolean;
  /**
   * LLaDA `confidence_eos_eot_inf`. `true` / `'upstream'`: the EoT logit is −∞ in the confidence softmax
   * (the effect of upstream's chained assignment: EoT confidence 0). `'both'`: EOS and EoT are −∞ there.
   */
  confidenceEosEotInf?: boolean | 'upstream' | 'both';
  /**
   * Confidence-threshold parallel decoding: every masked position of the block whose confidence is ≥ the
   * threshold is committed, and at least the most confident one per step; a block runs until it is filled
   * (one scalar read back per step), and `steps` is not used.
   */
  threshold?: number;
  /** Record ids [B, L] after every step in `trajectory`. */
  returnTrajectory?: boolean;
  maskId?: number;
  eosId?: number;
  eotId?: number;
}

export interface TextSampleResult {
  /** Final ids [B, L] (i32), prompt included. */
  ids: Tensor;
  /** With `returnTrajectory`: ids [B, L] after each step (each its own tensor). */
  trajectory?: Tensor[];
  /** The number of denoising steps that ran (predictor calls). */
  steps: number;
}

/** @internal State of one text denoising run. */
export interface TextDenoiser {
  readonly predictor: MaskPredictor;
  readonly opts: TextDenoiseOptions;
  /** [B, L] pad mask passed to the predictor (already extended over generated positions). */
  readonly padMask?: Tensor;
  /** bool [B, L]: positions set to MASK in the unconditional copy (the initially known tokens). */
  readonly cfgMask?: Tensor;
  readonly trajectory?: Tensor[];
  step: number;
}

/**
 * @internal Denoises the masked positions of x[:, lo:hi] in `steps` steps (or, with a threshold, until the
 * block is filled). Takes ownership of x (frees it unless it is in the trajectory) and returns the new x.
 */
export async function denoiseBlock(d: TextDenoiser, x: Tensor, lo: number, hi: number, steps: number): Promise<Tensor> {
  const maskId = d.opts.maskId ?? LLADA_MASK_ID;
  if (d.opts.threshold !== undefined) {
    for (let s = 0; s < hi; s++) {
      x = await advance(d, x, hi, undefined);
      const left = await scope(async () => {
        const block = sliceAxis(x, 1, lo, hi);
        const m = eq(block, maskId);
        const n = sum(m);
        return n.item();
      });
      if (left === 0) break;
    }
    return x;
  }
  const blockIds = sliceAxis(x, 1, lo, hi);
  const isMask = eq(blockIds, maskId);
  const counts = sum(isMask, -1);
  const schedule = numTransferPerRow(counts, steps);
  dispose([blockIds, isMask, counts]);
  try {
    for (let s = 0; s < steps; s++) {
      const k = schedule.at(s);
      try {
        x = await advance(d, x, hi, k);
      } finally {
        k.dispose();
      }
    }
  } finally {
    schedule.dispose();
  }
  return x;
}

/** One step: commit k[b] tokens of row b (or the threshold rule when k is undefined). */
async function advance(d: TextDenoiser, x: Tensor, hi: number, k: Tensor | undefined): Promise<Tensor> {
  const next = await scope(() => stepOnce(d, x, hi, k));
  if (d.trajectory) d.trajectory.push(next);
  if (!d.trajectory || !d.trajectory.includes(x)) x.dispose();
  d.step++;
  return next;
}

async function stepOnce(d: TextDenoiser, x: Tensor, hi: number, k: Tensor | undefined): Promise<Tensor> {
  const o = d.opts;
  const maskId = o.maskId ?? LLADA_MASK_ID;
  const eosId = o.eosId ?? LLADA_EOS_ID;
  const eotId = o.eotId ?? LLADA_EOT_ID;
  const temperature = o.temperature ?? 0;
  const remasking = o.remasking ?? 'low_confidence';
  const cfg = o.cfgScale ?? 0;
  const [b, l] = x.shape as [number, number];
  const [kGumbel, kRandom] = split(foldIn(o.key ?? key(0), d.step), 2) as [PRNGKey, PRNGKey];

  let logits: Tensor;
  if (cfg > 0) {
    const un = where(d.cfgMask!, maskId, x);
    const both = concat([x, un], 0);
    const pm = d.padMask ? concat([d.padMask, d.padMask], 0) : undefined;
    const all = await predictLogits(d.predictor, both, pm, 'textSampler');
    const cond = sliceAxis(all, 0, 0, b);
    const uncond = sliceAxis(all, 0, b, 2 * b);
    logits = textGuidance(cond, uncond, cfg);
  } else logits = await predictLogits(d.predictor, x, d.padMask, 'textSampler');
  const v = logits.shape[2]!;

  // Only positions < hi can be committed (upstream sets their confidence to −∞).
  let lg = hi < l ? sliceAxis(logits, 1, 0, hi) : logits;
  const vocab = arange(0, v, 1, 'i32', { device: x.device });
  if (o.logitsEosInf) lg = where(eq(vocab, eosId), -Infinity, lg);

  let x0: Tensor;
  if (temperature === 0) x0 = argmax(lg, -1);
  else {
    // Gumbel-max in log space: argmax(l + τ·g) is argmax of upstream's exp(l) / (−ln u)^τ.
    const g = gumbel(kGumbel, lg.shape, { device: x.device });
    x0 = argmax(add(lg, mul(g, temperature)), -1);
  }

  let conf: Tensor;
  if (remasking === 'random') conf = uniform(kRandom, [b, x0.shape[1]!], { device: x.device });
  else {
    let lc = lg;
    const eosEot = o.confidenceEosEotInf;
    if (eosEot) {
      const hidden = eosEot === 'both' ? logicalOr(eq(vocab, eotId), eq(vocab, eosId)) : eq(vocab, eotId);
      lc = where(hidden, -Infinity, lg);
    }
    if (remasking === 'low_confidence') conf = exp(tokenLogProbs(lc, x0));
    else if (remasking === 'margin_confidence') {
      const top = topk(lc, 2).indices;
      const first = reshape(sliceAxis(top, -1, 0, 1), x0.shape);
      const second = reshape(sliceAxis(top, -1, 1, 2), x0.shape);
      conf = sub(exp(tokenLogProbs(lc, first)), exp(tokenLogProbs(lc, second)));
    } else throw new TensorError('textSampler', `unknown remasking '${String(remasking)}'`);
  }

  const head = hi < l ? sliceAxis(x, 1, 0, hi) : x;
  const masked = eq(head, maskId);
  const candidate = where(masked, x0, head);
  const score = where(masked, conf, -Infinity);
  const rank = rankAlongLastAxis(score, true);
  let transfer: Tensor;
  if (k) transfer = logicalAnd(masked, lt(rank, k));
  else transfer = logicalAnd(masked, logicalOr(eq(rank, 0), ge(score, d.opts.threshold!)));
  const newHead = where(transfer, candidate, head);
  return hi < l ? concat([newHead, sliceAxis(x, 1, hi, l)], 1) : newHead;
}

