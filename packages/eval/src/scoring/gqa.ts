/** GQA answer normalisation: trimmed, lower-case, trailing periods removed. */
export const normalizeGqaAnswer = (answer: string): string => answer.trim().replace(/\.+$/, '').trim().toLowerCase();

/** GQA exact match after `normalizeGqaAnswer` on both sides. */
export const gqaExactMatch = (prediction: string, gold: string): boolean => normalizeGqaAnswer(prediction) === normalizeGqaAnswer(gold);
