/**
 * Where answers about images go wrong: in what the model says the image holds (its `I see …` list) or in
 * the step from that list to the answer. Compares each answer's list with the scene's true one
 * (`describeScene`) and scores the answer, so that "the list was right but the answer wrong" is counted.
 */
import { answerAfterThink, scoreUnderstanding, type UnderstandingRecord } from '@mmada/eval';
import { describeScene } from './shapesworld-text.js';

export interface UnderstandingDiagnosis {
  readonly n: number;
  /** Answers whose `I see …` list is the scene's, word for word. */
  readonly listExact: number;
  /** Objects of the scenes named in the lists (same colour, shape and cell), and objects in all. */
  readonly objectsNamed: number;
  readonly objects: number;
  readonly correct: number;
  /** Correct answers among those with an exact list: what the step from the list to the answer gets right. */
  readonly correctGivenExactList: number;
  readonly byCategory: Readonly<Record<string, { n: number; listExact: number; correct: number; correctGivenExactList: number }>>;
}

/** "I see a red circle at top left and a blue square at bottom right." → ["red circle at top left", …]. */
export function listedObjects(list: string): string[] {
  const body = /^I see (.*)\.$/.exec(list.trim())?.[1];
  if (body === undefined || body === 'nothing') return [];
  return body.replace(/^a /, '').split(/, a | and a /);
}

/** The `I see …` sentence an answer starts its trace with ('' when there is none). */
export function answerList(answer: string): string {
  return /<think>\s*(I see[^.]*\.)/.exec(answer)?.[1] ?? '';
}

export function diagnoseUnderstanding(items: readonly UnderstandingRecord[], answers: readonly string[]): UnderstandingDiagnosis {
  if (answers.length !== items.length) throw new RangeError(`diagnoseUnderstanding: ${answers.length} answers for ${items.length} items`);
  let listExact = 0, objectsNamed = 0, objects = 0, correct = 0, correctGivenExactList = 0;
  const byCategory: Record<string, { n: number; listExact: number; correct: number; correctGivenExactList: number }> = {};
  for (const [i, r] of items.entries()) {
    const truth = describeScene(r.scene);
    const said = answerList(answers[i]!);
    const exact = said === truth;
    const ok = scoreUnderstanding(answerAfterThink(answers[i]!), r.question);
    const named = listedObjects(said);
    const real = listedObjects(truth);
    objects += real.length;
    objectsNamed += real.filter((o) => named.includes(o)).length;
    listExact += +exact;
    correct += +ok;
    correctGivenExactList += +(exact && ok);
    const c = (byCategory[r.category] ??= { n: 0, listExact: 0, correct: 0, correctGivenExactList: 0 });
    c.n++;
    c.listExact += +exact;
    c.correct += +ok;
    c.correctGivenExactList += +(exact && ok);
  }
  return { n: items.length, listExact, objectsNamed, objects, correct, correctGivenExactList, byCategory };
}
