import { add, dispose, mul, sliceAxis, TensorError, type Tensor } from '@mmada/tensor';
import { maskedDiffusionLoss, type LossNormalizer, type MaskedDiffusionLoss, type MaskedDiffusionLossInputs } from './masked-diffusion-loss.js';
import { t2iLoss, type T2iLoss, type T2iLossInputs } from './t2i-loss.js';

/** One task's rows of a mixed batch: everything but the logits, which are cut from the shared forward pass. */
export type MixedBatchT2iPart = Omit<T2iLossInputs, 'logits'>;
export type MixedBatchTextPart = Omit<MaskedDiffusionLossInputs, 'logits'> & { normalizer?: LossNormalizer };

export interface MixedBatchParts {
  /** t2i rows (first in the batch): mean CE over labelled image positions. */
  t2i?: MixedBatchT2iPart;
  /** Language-modelling rows (second): normaliser 'allTokens' unless given. */
  lm?: MixedBatchTextPart;
  /** Multimodal-understanding rows (last): normaliser 'answerLengthPerRow' unless given. */
  mmu?: MixedBatchTextPart;
}

/** c_t2i / c_lm / c_mmu (default 1 each; MMaDA stage 1 uses 1.0 / 0.1 / 1.0, stage 4 0.05 / 0.6 / 0.4). */
export interface MixedBatchCoefficients {
  t2i?: number;
  lm?: number;
  mmu?: number;
}

export interface MixedBatchLoss {
  /** Scalar `c_t2i·L_t2i + c_lm·L_lm + c_mmu·L_mmu` over the parts present. */
  loss: Tensor;
  t2i?: T2iLoss;
  lm?: MaskedDiffusionLoss;
  mmu?: MaskedDiffusionLoss;
}

/**
 * MMaDA's mixed objective over one forward pass whose rows are `[t2i rows; lm rows; mmu rows]` (all at the
 * same sequence length). Each part's row count is its `targets.shape[0]`; together they must cover the batch.
 */
export function mixedBatchLoss(logits: Tensor, parts: MixedBatchParts, coefficients: MixedBatchCoefficients = {}): MixedBatchLoss {
  const rows = [parts.t2i, parts.lm, parts.mmu].reduce((n, part) => n + (part ? part.targets.shape[0]! : 0), 0);
  if (rows !== logits.shape[0]) {
    throw new TensorError('mixedBatchLoss', `the parts have ${rows} rows but the logits have ${logits.shape[0]}`);
  }
  let at = 0;
  const take = (n: number): Tensor => {
    const s = sliceAxis(logits, 0, at, at + n);
    at += n;
    return s;
  };
  const out: Omit<MixedBatchLoss, 'loss'> = {};
  const terms: [number, Tensor][] = [];
  const slices: Tensor[] = [];
  if (parts.t2i) {
    const l = take(parts.t2i.targets.shape[0]!);
    slices.push(l);
    out.t2i = t2iLoss({ ...parts.t2i, logits: l });
    terms.push([coefficients.t2i ?? 1, out.t2i.loss]);
  }
  if (parts.lm) {
    const l = take(parts.lm.targets.shape[0]!);
    slices.push(l);
    out.lm = maskedDiffusionLoss({ ...parts.lm, logits: l }, parts.lm.normalizer ?? 'allTokens');
    terms.push([coefficients.lm ?? 1, out.lm.loss]);
  }
  if (parts.mmu) {
    const l = take(parts.mmu.targets.shape[0]!);
    slices.push(l);
    out.mmu = maskedDiffusionLoss({ ...parts.mmu, logits: l }, parts.mmu.normalizer ?? 'answerLengthPerRow');
    terms.push([coefficients.mmu ?? 1, out.mmu.loss]);
  }
  if (terms.length === 0) throw new TensorError('mixedBatchLoss', 'needs at least one of t2i, lm, mmu');
  let loss: Tensor | undefined;
  for (const [c, term] of terms) {
    const scaled = mul(term, c);
    if (!loss) loss = scaled;
    else {
      const next = add(loss, scaled);
      dispose([loss, scaled]);
      loss = next;
    }
  }
  dispose(slices);
  return { loss: loss!, ...out };
}
