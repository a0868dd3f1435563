import {
  add, cast, categorical, concat, eq, expandDims, floor, foldIn, gumbel, key, lt, maximum, minimum,
  mul, scope, slice, sliceAxis, sort, split, sub, sum, takeAlongAxis, where, TensorError,
  type PRNGKey, type Tensor,
} from '@mmada/tensor';
import { imageGuidance } from './guidance.js';
import { tokenLogProbs } from './log-probs.js';
import type { MaskPredictor } from './mask-predictor.js';
import { maskRatio, scheduledMaskCount, type MaskScheduleName, type SchedulePrecision } from './mask-schedule.js';
import { maskgitTemperatures } from './maskgit-temperatures.js';
import { predictLogits } from './predict.js';

export interface MaskgitOptions {
  /** N, the number of image tokens in each row. */
  numImageTokens: number;
  /** T, the number of steps (default 15, MMaDA's app). */
  steps?: number;
  /** PRNG key (default key(0)); step s uses foldIn(key, s). */
  key?: PRNGKey;
  /** τ₀ of the confidence noise (default 1). */
  temperature?: number;
  /**
   * `'compounding'` (default, upstream `t2i_generate`, spec Quirk 1): τ ← τ·(1 − r) every step;
   * `'maskgit'`: τ = τ₀·(1 − r).
   */
  temperatureAnnealing?: 'compounding' | 'maskgit';
  /** Mask schedule (default 'cosine'). */
  schedule?: MaskScheduleName;
  /** Precision of the schedule math (default 'float32', spec Quirk 3). */
  schedulePrecision?: SchedulePrecision;
  /**
   * Quirk 5: `'all'` (default, upstream) computes maskLen from N, so inpainting commits about one token per
   * step until N·ratio falls below the number of unknown tokens; `'unknown'` scales by each row's initially
   * masked count instead.
   */
  maskLenFrom?: 'all' | 'unknown';
  /** Where the image tokens start in the sequence (default L − N − 1: the N tokens before `<|eoi|>`). */
  imageStart?: number;
  /** Vocabulary id of code 0 (MMaDA: 126349; Show-o: 50305). */
  codebookOffset: number;
  /** Number of codes (MAGVIT-v2: 8192). */
  codebookSize: number;
  /** The mask token id of the model's vocabulary (MMaDA / LLaDA: 126336, `MMADA_SPECIAL_TOKENS.mask` in @mmada/mmada). */
  maskId: number;
  /** Pad mask [B, L] of the conditional rows. */
  padMask?: Tensor;
  /** Guidance w (default 0 = off): logits = (1 + w)·cond − w·uncond. */
  guidanceScale?: number;
  /**
   * The unconditional rows, from the current conditional ids [B, L] (called every step). Default convention:
   * `uncondPrefix` followed by the current ids from position `uncondPrefix.shape[1]` on.
   */
  uncondIds?: (ids: Tensor) => Tensor;
  /** [B or 1, P]: the first P tokens of the empty-prompt sequence (MMaDA: P = max_seq_length + 1). */
  uncondPrefix?: Tensor;
  /** Pad mask [B, L] of the unconditional rows. */
  uncondPadMask?: Tensor;
  /** Record the codes [B, N] after every step (−1 where still masked) in `trajectory`. */
  returnTrajectory?: boolean;
}

export interface MaskgitResult {
  /** i32 [B, N]: the sampled codes (0 … codebookSize − 1), fully filled; known codes are returned as given. */
  codes: Tensor;
  /** i32 [B, L]: the input ids with the image part set to code + offset. */
  ids: Tensor;
  /** With `returnTrajectory`: the codes [B, N] after each step, −1 where masked (never a code, whatever maskId is). */
  trajectory?: Tensor[];
}

/** The code-space value of a masked position (also in the trajectory): never a code, whatever the mask token's id. */
const UNKNOWN = -1;

/**
 * MaskGIT decoding as in Show-o / MMaDA `t2i_generate`. `ids` [B, L] holds the conditional sequence whose
 * image part has the mask id where a code is to be generated and `offset + code` where it is known; known
 * codes are never re-masked, which makes this image inpainting as well. Every step samples all unknown codes
 * (categorical, no temperature), scores them by `ln p + τ·Gumbel`, and re-masks the `maskLen` least
 * confident. All per-step work stays on the device.
 */
export async function maskgitSample(predictor: MaskPredictor, ids: Tensor, opts: MaskgitOptions): Promise<MaskgitResult> {
  const [b, l] = ids.shape as [number, number];
  const n = opts.numImageTokens;
  const steps = opts.steps ?? 15;
  const start = opts.imageStart ?? l - n - 1;
  const offset = opts.codebookOffset;
  const size = opts.codebookSize;
  const maskId = opts.maskId;
  const w = opts.guidanceScale ?? 0;
  const schedule = opts.schedule ?? 'cosine';
  const precision = opts.schedulePrecision ?? 'float32';
  const tau0 = opts.temperature ?? 1;
  const op = 'maskgitSample';
  if (ids.rank !== 2) throw new TensorError(op, `ids must be [B, L], got [${ids.shape.join(', ')}]`);
  if (!(Number.isInteger(n) && n >= 2 && start >= 0 && start + n <= l)) {
    throw new TensorError(op, `image tokens [${start}, ${start + n}) do not fit in a sequence of ${l}`);
  }
  if (!(Number.isInteger(steps) && steps >= 1)) throw new TensorError(op, `steps must be a positive integer, got ${steps}`);
  if (maskId >= offset && maskId < offset + size) throw new TensorError(op, `maskId ${maskId} is a code's id (codes are ids ${offset} … ${offset + size - 1})`);
  if (w > 0 && !opts.uncondIds && !opts.uncondPrefix) throw new TensorError(op, 'guidanceScale > 0 needs uncondIds or uncondPrefix');
  const root = opts.key ?? key(0);

  let x = cast(ids, 'i32');
  // Codes in code space, UNKNOWN where masked (upstream `input_ids_minus_lm_vocab_size` keeps the mask id there,
  // which only works while the mask id is past the codebook: a small model's mask id may be below it).
  let codes = await scope(() => {
    const part = sliceAxis(x, 1, start, start + n);
    return where(eq(part, maskId), UNKNOWN, sub(part, offset));
  });
  const initialUnknown = opts.maskLenFrom === 'unknown' ? await scope(() => cast(sum(eq(codes, UNKNOWN), -1), 'f32')) : undefined;
  const trajectory: Tensor[] | undefined = opts.returnTrajectory ? [] : undefined;
  let sample: Tensor | undefined;
  const taus = maskgitTemperatures(tau0, steps, opts.temperatureAnnealing);
  try {
    for (let s = 0; s < steps; s++) {
      const r = (s + 1) / steps;
      const [kSample, kConf] = split(foldIn(root, s), 2) as [PRNGKey, PRNGKey];
      const stepTau = taus[s]!;
      const next = await scope(async () => {
        let logits: Tensor;
        const imageLogits = (all: Tensor, row0: number) => slice(all, [row0, start, offset], [b, n, size]);
        if (w > 0) {
          const un = opts.uncondIds ? opts.uncondIds(x) : defaultUncond(opts.uncondPrefix!, x);
          const both = concat([x, un], 0);
          const pm = opts.padMask && opts.uncondPadMask ? concat([opts.padMask, opts.uncondPadMask], 0) : undefined;
          if (!!opts.padMask !== !!opts.uncondPadMask) throw new TensorError(op, 'give both padMask and uncondPadMask, or neither');
          const all = await predictLogits(predictor, both, pm, op);
          logits = imageGuidance(imageLogits(all, 0), imageLogits(all, b), w);
        } else {
          const all = await predictLogits(predictor, x, opts.padMask, op);
          logits = imageLogits(all, 0);
        }
        const unknown = eq(codes, UNKNOWN);
        const drawn = categorical(kSample, logits, -1);
        const samp = where(unknown, drawn, codes);
        // ln p of the drawn code, clamped like upstream's log(max(p, 1e-20)).
        const logp = tokenLogProbs(logits, where(unknown, drawn, 0));
        const g = gumbel(kConf, [b, n], { device: x.device });
        const noisy = add(maximum(logp, Math.log(1e-20)), mul(g, stepTau));
        const confidence = where(unknown, noisy, Infinity);
        const unknownCount = sum(unknown, -1);
        const wanted = initialUnknown
          ? floor(mul(initialUnknown, maskRatio(schedule, r, precision)))
          : scheduledMaskCount(n, s, steps, schedule, precision);
        const maskLen = cast(maximum(minimum(sub(unknownCount, 1), wanted), 1), 'i32');
        const cut = takeAlongAxis(sort(confidence), expandDims(maskLen, -1), -1);
        const remask = lt(confidence, cut);
        const nextCodes = where(remask, UNKNOWN, samp);
        const image = where(remask, maskId, add(samp, offset));
        const nextX = concat([sliceAxis(x, 1, 0, start), image, sliceAxis(x, 1, start + n, l)], 1);
        return { nextX, nextCodes, samp };
      });
      x.dispose();
      // Codes in the trajectory belong to it; the initial codes never are.
      if (!trajectory || s === 0) codes.dispose();
      sample?.dispose();
      x = next.nextX;
      codes = next.nextCodes;
      sample = next.samp;
      trajectory?.push(codes);
    }
  } finally {
    initialUnknown?.dispose();
  }
  const final = await scope(() => concat([sliceAxis(x, 1, 0, start), add(sample!, offset), sliceAxis(x, 1, start + n, l)], 1));
  x.dispose();
  if (!trajectory) codes.dispose();
  return { codes: sample!, ids: final, trajectory };
}

/** The simple convention: the unconditional prefix, then the current conditional ids from its length on. */
function defaultUncond(prefix: Tensor, x: Tensor): Tensor {
  const [b, l] = x.shape as [number, number];
  const p = prefix.shape[1]!;
  const pre = prefix.shape[0] === b ? cast(prefix, 'i32') : cast(concat(Array.from({ length: b }, () => prefix), 0), 'i32');
  return concat([pre, sliceAxis(x, 1, p, l)], 1);
}
