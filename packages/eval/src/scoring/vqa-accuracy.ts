import { evalAiProcessAnswer, processDigitArticle, processPunctuation } from './vqa-normalization.js';

/**
 * How answers are processed before matching:
 * - `evalai` (default): as EvalAI's VQAv2 server and lmms-eval, behind published MMaDA-class VQAv2 figures —
 *   the prediction always goes through the EvalAI answer processor; the human answers are normalised
 *   (punctuation, digits / articles) only when they disagree, and the prediction then once more.
 * - `vqaeval-2021`: exactly GT-Vision-Lab's `vqaEval.py` since 2021 — nothing is normalised unless the human
 *   answers disagree; then both sides get punctuation and digit / article processing.
 * - `always`: both sides fully normalised, whatever the humans said.
 */
export type VqaProcessing = 'evalai' | 'vqaeval-2021' | 'always';

export interface VqaAccuracyOptions {
  readonly normalize?: VqaProcessing;
}

const clean = (s: string) => s.replaceAll('\n', ' ').replaceAll('\t', ' ').trim();
const full = (s: string) => processDigitArticle(processPunctuation(s));

/**
 * VQA soft accuracy of one prediction against the human answers (10 in VQAv2):
 * the mean over leave-one-out subsets of min(#matching humans / 3, 1).
 */
export function vqaSoftAccuracy(prediction: string, humanAnswers: readonly string[], options: VqaAccuracyOptions = {}): number {
  if (humanAnswers.length === 0) throw new RangeError('vqaSoftAccuracy needs at least one human answer');
  const mode = options.normalize ?? 'evalai';
  if (mode !== 'evalai' && mode !== 'vqaeval-2021' && mode !== 'always') {
    throw new RangeError(`vqaSoftAccuracy: normalize must be 'evalai', 'vqaeval-2021' or 'always', got ${JSON.stringify(mode)}`);
  }
  let pred = mode === 'evalai' ? evalAiProcessAnswer(prediction) : clean(prediction);
  let gts = humanAnswers.map(clean);
  if (mode === 'always') {
    pred = full(pred);
    gts = gts.map(full);
  } else if (new Set(gts).size > 1) {
    gts = gts.map(full);
    pred = full(pred);
  }
  if (gts.length === 1) return gts[0] === pred ? 1 : 0;
  let total = 0;
  for (let i = 0; i < gts.length; i++) {
    let matching = 0;
    for (let j = 0; j < gts.length; j++) if (j !== i && gts[j] === pred) matching++;
    total += Math.min(1, matching / 3);
  }
  return total / gts.length;
}
