import { processDigitArticle, processPunctuation } from './vqa-normalization.js';

export interface VqaAccuracyOptions {
  /**
   * `official` (default): as `vqaEval.py` — answers are normalised only when the humans disagree, and
   * the human answers then get punctuation processing only. `always`: both sides fully normalised.
   */
  readonly normalize?: 'official' | 'always';
}

/**
 * VQA soft accuracy of one prediction against the human answers (10 in VQAv2):
 * the mean over leave-one-out subsets of min(#matching humans / 3, 1).
 */
export function vqaSoftAccuracy(prediction: string, humanAnswers: readonly string[], options: VqaAccuracyOptions = {}): number {
  if (humanAnswers.length === 0) throw new RangeError('vqaSoftAccuracy needs at least one human answer');
  let pred = prediction.replaceAll('\n', ' ').replaceAll('\t', ' ').trim();
  let gts = [...humanAnswers];
  if (options.normalize === 'always') {
    pred = processDigitArticle(processPunctuation(pred));
    gts = gts.map((g) => processDigitArticle(processPunctuation(g.replaceAll('\n', ' ').replaceAll('\t', ' ').trim())));
  } else if (new Set(gts).size > 1) {
    gts = gts.map(processPunctuation);
    pred = processDigitArticle(processPunctuation(pred));
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
