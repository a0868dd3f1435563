// d1's GSM8K reward functions (`reward_func.py`), with the exact values and regex behaviour of the
// Python original: `re.match` (anchored at the start, no flags, so `.` stops at newlines) and
// Python's `$`, which also matches just before a final newline.
import { pyCount, pyIsDigit, pyLen, textAfterLast } from '../scoring/python-compat.js';
import type { RewardBreakdown } from './unigrpo-reward.js';

/** The text after the last `<answer>`, up to the next `</answer>`, trimmed (d1's `extract_xml_answer`). */
export function extractXmlAnswer(completion: string): string {
  return textAfterLast(completion, '<answer>').split('</answer>')[0].trim();
}

/** d1's gold for GSM8K: the text after `####`, trimmed; null when there is no `####`. */
export function extractHashAnswer(answer: string): string | null {
  return answer.includes('####') ? answer.split('####')[1].trim() : null;
}

export interface D1FormatOptions {
  /** Let `.` match newlines (fixes Quirk 1; upstream: false). */
  readonly dotall?: boolean;
}

const any = (dotall: boolean | undefined) => (dotall ? '[\\s\\S]' : '[^\\n]');

/** 2.0 when `extractXmlAnswer` equals the gold string exactly. */
export const d1CorrectnessReward = (completion: string, gold: string): number => (extractXmlAnswer(completion) === gold ? 2.0 : 0);

export interface D1IntOptions {
  /** `isdigit` (upstream: negatives and decimals get 0) or `numeric` (any finite decimal number). */
  readonly check?: 'isdigit' | 'numeric';
}

/** 0.5 when the extracted answer is an integer by Python's `str.isdigit()` (or a number, with `check: 'numeric'`). */
export function d1IntReward(completion: string, options: D1IntOptions = {}): number {
  const answer = extractXmlAnswer(completion);
  const ok = options.check === 'numeric' ? /^[+-]?(\d+\.?\d*|\.\d+)$/.test(answer) : pyIsDigit(answer);
  return ok ? 0.5 : 0;
}

/** 0.5 when the completion is exactly `<reasoning>\n…\n</reasoning>\n<answer>\n…\n</answer>\n`. */
export function d1StrictFormatReward(completion: string, options: D1FormatOptions = {}): number {
  const a = any(options.dotall);
  const re = new RegExp(`^<reasoning>\\n${a}*?\\n</reasoning>\\n<answer>\\n${a}*?\\n</answer>\\n(?=\\n?$)`);
  return re.test(completion) ? 0.5 : 0;
}

/** 0.5 when the completion starts with `<reasoning>…</reasoning>`, optional whitespace, `<answer>…</answer>`. */
export function d1SoftFormatReward(completion: string, options: D1FormatOptions = {}): number {
  const a = any(options.dotall);
  const re = new RegExp(`^<reasoning>${a}*?</reasoning>\\s*<answer>${a}*?</answer>`);
  return re.test(completion) ? 0.5 : 0;
}

/** d1's `count_xml`: 0.125 per well-placed tag, minus 0.001 per character of trailing text. */
export function d1XmlCountReward(completion: string): number {
  let count = 0;
  if (pyCount(completion, '<reasoning>\n') === 1) count += 0.125;
  if (pyCount(completion, '\n</reasoning>\n') === 1) count += 0.125;
  if (pyCount(completion, '\n<answer>\n') === 1) {
    count += 0.125;
    count -= pyLen(textAfterLast(completion, '\n</answer>\n')) * 0.001;
  }
  if (pyCount(completion, '\n</answer>') === 1) {
    count += 0.125;
    count -= (pyLen(textAfterLast(completion, '\n</answer>')) - 1) * 0.001;
  }
  return count;
}

export interface D1Gsm8kRewardOptions extends D1FormatOptions, D1IntOptions {}

/** The sum of d1's five GSM8K rewards (at most 4.0), with each part. */
export function d1Gsm8kReward(completion: string, gold: string, options: D1Gsm8kRewardOptions = {}): RewardBreakdown {
  const parts = {
    xmlcount: d1XmlCountReward(completion),
    softFormat: d1SoftFormatReward(completion, options),
    strictFormat: d1StrictFormatReward(completion, options),
    int: d1IntReward(completion, options),
    correctness: d1CorrectnessReward(completion, gold),
  };
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}
