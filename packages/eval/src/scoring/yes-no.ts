import { processPunctuation } from './vqa-normalization.js';

export type YesNo = 'yes' | 'no';

/**
 * VLMEvalKit's yes/no extraction: lower-case, VQA punctuation processing, then `yes` when the words
 * contain "yes" but not "no", `no` for the reverse, and null (unknown) otherwise.
 */
export function extractYesNo(text: string): YesNo | null {
  const words = new Set(processPunctuation(text.toLowerCase()).split(/\s+/));
  const yes = words.has('yes');
  const no = words.has('no');
  if (yes && !no) return 'yes';
  if (no && !yes) return 'no';
  return null;
}

/**
 * The POPE / LLaVA rule: keep the first sentence, drop commas, and answer `no` when a word is
 * "No", "no" or "not"; `yes` otherwise. Never unknown.
 */
export function extractYesNoPope(text: string): YesNo {
  const first = text.includes('.') ? text.split('.')[0] : text;
  const words = first.replaceAll(',', '').split(' ');
  return words.includes('No') || words.includes('no') || words.includes('not') ? 'no' : 'yes';
}
