import { choiceLetter } from './multiple-choice.js';

/**
 * Anything that can score answer options by likelihood given a context, e.g. a Monte-Carlo ELBO
 * estimate of log p(choice | context) from a masked diffusion model. Higher is more likely.
 */
export interface ChoiceScorer {
  scoreChoices(context: string, choices: readonly string[]): Promise<number[]>;
}

export interface LikelihoodPick {
  /** Index of the most likely option (the first one on ties). */
  readonly index: number;
  readonly letter: string;
  readonly scores: readonly number[];
}

/** Picks the option the scorer finds most likely. NaN scores never win. */
export async function pickByLikelihood(scorer: ChoiceScorer, context: string, choices: readonly string[]): Promise<LikelihoodPick> {
  if (choices.length === 0) throw new RangeError('pickByLikelihood needs at least one choice');
  const scores = await scorer.scoreChoices(context, choices);
  if (scores.length !== choices.length) {
    throw new RangeError(`ChoiceScorer returned ${scores.length} scores for ${choices.length} choices`);
  }
  let index = -1;
  scores.forEach((s, i) => {
    if (!Number.isNaN(s) && (index < 0 || s > scores[index])) index = i;
  });
  if (index < 0) index = 0;
  return { index, letter: choiceLetter(index), scores };
}
