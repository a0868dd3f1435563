import { lastBoxedContent } from './boxed.js';
import { normalizeNumber } from './number-normalization.js';

/** The gold answer of a GSM8K `answer` field: the text after `####`, trimmed (the whole text when absent). */
export function gsm8kGold(answer: string): string {
  const i = answer.indexOf('####');
  return (i < 0 ? answer : answer.slice(i + 4).split('####')[0]).trim();
}

/** lm-eval `strict-match`: the first `#### N`, or null. */
export function extractGsm8kStrict(completion: string): string | null {
  const m = /#### (-?[0-9.,]+)/.exec(completion);
  return m ? m[1].trim() : null;
}

/** lm-eval `flexible-extract`: the last number-like run (`(-?[$0-9.,]{2,})|(-?[0-9]+)`), or null. */
export function extractGsm8kFlexible(completion: string): string | null {
  const matches = [...completion.matchAll(/(-?[$0-9.,]{2,})|(-?[0-9]+)/g)];
  const last = matches.at(-1);
  return last ? (last[1] ?? last[2]).trim() : null;
}

const NUMBER = /-?\$?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)/g;

/** The last number in a text (thousands commas and `$` allowed), normalised; null when none. */
export function lastNumber(text: string): string | null {
  const all = text.match(NUMBER);
  return all ? normalizeNumber(all[all.length - 1]) : null;
}

/**
 * The answer a GSM8K-style completion gives, trying in order: `#### N`, the last `\boxed{}`, the last
 * `<answer>…</answer>` block, and finally the last number in the text. Normalised; null when none.
 */
export function extractGsm8kAnswer(completion: string): string | null {
  const strict = extractGsm8kStrict(completion);
  if (strict !== null) return normalizeNumber(strict);
  const boxed = lastBoxedContent(completion);
  if (boxed !== null) {
    const n = normalizeNumber(boxed.replace(/\\text\{[^}]*\}|\\!|\\,/g, ''));
    return /^-?\d+(\.\d+)?$/.test(n) ? n : (lastNumber(boxed) ?? n);
  }
  const tags = [...completion.matchAll(/<answer>([\s\S]*?)<\/answer>/g)].at(-1);
  if (tags) return lastNumber(tags[1]) ?? tags[1].trim();
  return lastNumber(completion);
}

/** lm-eval `exact_match` for GSM8K: ignore case, and remove `,`, `$`, everything up to `#### ` and a final `.`. */
export function lmEvalGsm8kNormalize(s: string): string {
  return s.replace(/[\s\S]*#### /g, '').replace(/,/g, '').replace(/\$/g, '').replace(/\.$/, '').toLowerCase();
}

export type Gsm8kMode = 'chain' | 'strict' | 'flexible';

export interface Gsm8kScoreOptions {
  /** `chain` (default): `#### N` → `\boxed{}` → `<answer>` → last number. `strict`/`flexible`: lm-eval filters. */
  readonly mode?: Gsm8kMode;
  /** `numeric` (default): compare canonical numbers (`72.0` = `72`). `lm-eval`: lm-eval's exact_match string rules. */
  readonly comparison?: 'numeric' | 'lm-eval';
}

export interface Gsm8kScore {
  readonly correct: boolean;
  /** The extracted prediction, or null when nothing could be extracted (lm-eval's `[invalid]`). */
  readonly extracted: string | null;
  readonly gold: string;
}

/** Scores one completion against a GSM8K `answer` field (or a bare gold number). */
export function scoreGsm8k(completion: string, goldAnswer: string, options: Gsm8kScoreOptions = {}): Gsm8kScore {
  const mode = options.mode ?? 'chain';
  const gold = gsm8kGold(goldAnswer);
  const extracted =
    mode === 'strict' ? extractGsm8kStrict(completion) : mode === 'flexible' ? extractGsm8kFlexible(completion) : extractGsm8kAnswer(completion);
  if (extracted === null) return { correct: false, extracted, gold };
  const correct =
    options.comparison === 'lm-eval'
      ? lmEvalGsm8kNormalize(extracted) === lmEvalGsm8kNormalize(goldAnswer)
      : gold !== '' && normalizeNumber(extracted) === normalizeNumber(gold);
  return { correct, extracted, gold };
}
