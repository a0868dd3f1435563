/** The letter of option `index` (0 → `A`). */
export const choiceLetter = (index: number): string => String.fromCharCode(65 + index);

/** The option index of a letter (`A` → 0), or -1. */
export const choiceIndex = (letter: string): number => (/^[A-Z]$/.test(letter) ? letter.charCodeAt(0) - 65 : -1);

/**
 * The chosen option letter in a generation: the last standalone capital letter among the first
 * `numChoices` letters (`\b([A-E])\b` for five options, as VLMEvalKit matches it). Null when none.
 */
export function extractChoiceLetter(generation: string, numChoices = 5): string | null {
  if (numChoices < 1 || numChoices > 26) throw new RangeError(`numChoices must be 1..26, got ${numChoices}`);
  const pattern = new RegExp(`\\b([A-${choiceLetter(numChoices - 1)}])\\b`, 'g');
  const matches = [...generation.matchAll(pattern)];
  return matches.at(-1)?.[1] ?? null;
}

export interface ChoiceScore {
  readonly correct: boolean;
  readonly extracted: string | null;
  readonly gold: string;
}

/** Scores a generation against the gold option, given as a letter or a 0-based index. */
export function scoreMultipleChoice(generation: string, gold: string | number, numChoices = 5): ChoiceScore {
  const goldLetter = typeof gold === 'number' ? choiceLetter(gold) : gold.trim().toUpperCase();
  const extracted = extractChoiceLetter(generation, numChoices);
  return { correct: extracted === goldLetter, extracted, gold: goldLetter };
}
