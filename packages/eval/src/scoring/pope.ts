import type { YesNo } from './yes-no.js';

export interface PopeMetrics {
  readonly n: number;
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Fraction of all items predicted `yes`. */
  readonly yesRatio: number;
  /** Items whose prediction could not be read as yes or no (counted wrong, and as not-`yes`). */
  readonly unknown: number;
}

/**
 * POPE metrics with `yes` as the positive class. An unreadable prediction (null) is wrong for accuracy
 * and counts as a negative prediction for precision / recall, as VLMEvalKit does. Empty ratios are 0.
 */
export function popeMetrics(items: ReadonlyArray<{ readonly prediction: YesNo | null; readonly gold: YesNo }>): PopeMetrics {
  let tp = 0, fp = 0, tn = 0, fn = 0, unknown = 0;
  for (const { prediction, gold } of items) {
    if (prediction === null) unknown++;
    if (prediction === 'yes') {
      if (gold === 'yes') tp++;
      else fp++;
    } else if (gold === 'yes') fn++;
    else if (prediction === 'no') tn++;
  }
  const n = items.length;
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return {
    n,
    accuracy: ratio(tp + tn, n),
    precision,
    recall,
    f1: ratio(2 * precision * recall, precision + recall),
    yesRatio: ratio(tp + fp, n),
    unknown,
  };
}
