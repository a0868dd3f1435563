import {
  add, arange, argmax, concat, dispose, eq, exp, foldIn, ge, gumbel, key, logicalAnd, logicalOr, lt, mul,
  reshape, scope, sliceAxis, split, sub, sum, topk, uniform, where, TensorError,
  type PRNGKey, type Tensor,
} from '@mmada/tensor';
import { textGuidance } from './guidance.js';
import { tokenLogProbs } from './log-probs.js';
import type { KeyValueCache } from './key-value-cache.js';
import type { MaskPredictor } from './mask-predictor.js';
import { numTransferPerRow } from './num-transfer.js';
import { checkLogits, predictLogits } from './predict.js';
import { rankAlongLastAxis } from './ranks.js';

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
  /** The mask token id of the model's vocabulary (MMaDA / LLaDA: 126336, `MMADA_SPECIAL_TOKENS.mask` in @mmada/mmada). */
  maskId: number;
  /** The EOS id: required by `logitsEosInf` and by `confidenceEosEotInf: 'both'` (MMaDA / LLaDA: 126081). */
  eosId?: number;
  /** The end-of-turn id: required by `confidenceEosEotInf` (MMaDA / LLaDA `<|eot_id|>`: 126348). */
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
  /** With a key/value cache: which positions a cached step recomputes, and when the cache is refreshed. */
  readonly cache?: DenoiseCache;
  step: number;
}

/** @internal A key/value cache used by a denoising run. */
export interface DenoiseCache {
  readonly kv: KeyValueCache;
  readonly mode: 'prefix' | 'dual';
  /** The cache is refreshed at block steps 0, n, 2n, … (Infinity: at the first step of each block only). */
  readonly refreshEvery: number;
}

/** A special token id an option needs: the model-agnostic sampler knows no vocabulary of its own. */
function specialId(id: number | undefined, name: string, option: string): number {
  if (id === undefined) throw new TensorError('textSampler', `${option} needs ${name} (the model's id for that token)`);
  return id;
}

/**
 * @internal Denoises the masked positions of x[:, lo:hi] in `steps` steps (or, with a threshold, until the
 * block is filled). Takes ownership of x (frees it unless it is in the trajectory) and returns the new x.
 */
export async function denoiseBlock(d: TextDenoiser, x: Tensor, lo: number, hi: number, steps: number): Promise<Tensor> {
  const maskId = d.opts.maskId;
  if (d.opts.threshold !== undefined) {
    for (let s = 0; s < hi; s++) {
      x = await advance(d, x, lo, hi, s, undefined);
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
        x = await advance(d, x, lo, hi, s, k);
      } finally {
        k.dispose();
      }
    }
  } finally {
    schedule.dispose();
  }
  return x;
}

/** Step `blockStep` of the block [lo, hi): commit k[b] tokens of row b (or the threshold rule when k is undefined). */
async function advance(d: TextDenoiser, x: Tensor, lo: number, hi: number, blockStep: number, k: Tensor | undefined): Promise<Tensor> {
  const next = await scope(() => stepOnce(d, x, lo, hi, blockStep, k));
  if (d.trajectory) d.trajectory.push(next);
  if (!d.trajectory || !d.trajectory.includes(x)) x.dispose();
  d.step++;
  return next;
}

/**
 * The step's logits over positions [from, hi) (guidance applied): from the predictor over all positions, or,
 * with a cache, from its refresh (block step 0, n, 2n, …) or from a window of recomputed positions.
 */
async function stepLogits(d: TextDenoiser, x: Tensor, from: number, hi: number, blockStep: number): Promise<Tensor> {
  const cfg = d.opts.cfgScale ?? 0;
  const [b, l] = x.shape as [number, number];
  const ids = cfg > 0 ? concat([x, where(d.cfgMask!, d.opts.maskId, x)], 0) : x;
  const padMask = cfg > 0 && d.padMask ? concat([d.padMask, d.padMask], 0) : d.padMask;
  const c = d.cache;
  // Only positions < hi can be committed (upstream sets their confidence to −∞).
  const upToHi = (t: Tensor): Tensor => (from > 0 || hi < l ? sliceAxis(t, 1, from, hi) : t);
  let all: Tensor;
  if (!c) all = upToHi(await predictLogits(d.predictor, ids, padMask, 'textSampler'));
  else if (blockStep % c.refreshEvery === 0) all = upToHi(checkLogits(await c.kv.refresh(ids, padMask), ids, 'textSampler', 'the key/value cache refresh'));
  else {
    // Prefix: the block and everything after it are recomputed; dual: the block alone.
    const end = c.mode === 'dual' ? hi : l;
    const win = sliceAxis(ids, 1, from, end);
    const logits = checkLogits(await c.kv.window(win, from), win, 'textSampler', 'the key/value cache window');
    all = end > hi ? sliceAxis(logits, 1, 0, hi - from) : logits;
  }
  return cfg > 0 ? textGuidance(sliceAxis(all, 0, 0, b), sliceAxis(all, 0, b, 2 * b), cfg) : all;
}

/**
 * One step over the block [lo, hi). Exact decoding considers every masked position before hi; with a cache
 * the block's positions only (from = lo), with the noise still drawn over [0, hi) so that a cache refreshed
 * every step decodes exactly what the exact sampler decodes.
 */
async function stepOnce(d: TextDenoiser, x: Tensor, lo: number, hi: number, blockStep: number, k: Tensor | undefined): Promise<Tensor> {
  const o = d.opts;
  const maskId = o.maskId;
  const temperature = o.temperature ?? 0;
  const remasking = o.remasking ?? 'low_confidence';
  const [b, l] = x.shape as [number, number];
  const [kGumbel, kRandom] = split(foldIn(o.key ?? key(0), d.step), 2) as [PRNGKey, PRNGKey];
  const from = d.cache ? lo : 0;
  const window = (t: Tensor): Tensor => (from > 0 ? sliceAxis(t, 1, from, hi) : t);

  let lg = await stepLogits(d, x, from, hi, blockStep);
  const v = lg.shape[2]!;

  const vocab = arange(0, v, 1, 'i32', { device: x.device });
  if (o.logitsEosInf) lg = where(eq(vocab, specialId(o.eosId, 'eosId', 'logitsEosInf')), -Infinity, lg);

  let x0: Tensor;
  if (temperature === 0) x0 = argmax(lg, -1);
  else {
    // Gumbel-max in log space: argmax(l + τ·g) is argmax of upstream's exp(l) / (−ln u)^τ.
    const g = window(gumbel(kGumbel, [b, hi, v], { device: x.device }));
    x0 = argmax(add(lg, mul(g, temperature)), -1);
  }

  let conf: Tensor;
  if (remasking === 'random') conf = window(uniform(kRandom, [b, hi], { device: x.device }));
  else {
    let lc = lg;
    const eosEot = o.confidenceEosEotInf;
    if (eosEot) {
      const eot = eq(vocab, specialId(o.eotId, 'eotId', 'confidenceEosEotInf'));
      const hidden = eosEot === 'both' ? logicalOr(eot, eq(vocab, specialId(o.eosId, 'eosId', "confidenceEosEotInf: 'both'"))) : eot;
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

  const head = from > 0 || hi < l ? sliceAxis(x, 1, from, hi) : x;
  const masked = eq(head, maskId);
  const candidate = where(masked, x0, head);
  const score = where(masked, conf, -Infinity);
  const rank = rankAlongLastAxis(score, true);
  let transfer: Tensor;
  if (k) transfer = logicalAnd(masked, lt(rank, k));
  else transfer = logicalAnd(masked, logicalOr(eq(rank, 0), ge(score, d.opts.threshold!)));
  const newHead = where(transfer, candidate, head);
  const parts = [...(from > 0 ? [sliceAxis(x, 1, 0, from)] : []), newHead, ...(hi < l ? [sliceAxis(x, 1, hi, l)] : [])];
  return parts.length > 1 ? concat(parts, 1) : newHead;
}

