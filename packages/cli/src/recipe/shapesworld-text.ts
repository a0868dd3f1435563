/**
 * The text of every ShapesWorld training row of the mmada-tiny recipe, stage by stage:
 *
 * - stage 1 (pretraining): plain arithmetic text (question + worked steps, no trace tags) for the lm rows,
 *   short answers for the understanding rows, and the bare prompt for the text-to-image rows;
 * - stage 2 (mixed long chain-of-thought): one unified `<think>…</think> answer` form for all three task
 *   families — the arithmetic trace of the reasoning split, a trace that lists what the image holds before
 *   answering a question about it, and a plan (which shape goes in which cell) before the image is drawn.
 *
 * Everything here is a pure function of the ShapesWorld record, so a row never depends on training history.
 */
import {
  cellName, generateShapesWorld, plural, type ReasoningRecord, type Scene, type SceneObject, type T2IRecord, type UnderstandingRecord,
} from '@mmada/eval';

/** The completion of a reasoning item without the trace tags: the stage-1 arithmetic corpus. */
export function plainArithmeticText(r: ReasoningRecord): string {
  const m = /^<think>(.*)<\/think>\s*(.*)$/s.exec(r.problem.completion);
  const body = m ? `${m[1]!.trim()} ${m[2]!.trim()}` : r.problem.completion;
  return `${r.problem.question} ${body}`;
}

const describeObject = (scene: Scene, o: SceneObject) => `${o.color} ${o.shape} at ${cellName(scene.size, o.row, o.col)}`;

/** Objects in reading order (row by row, left to right). */
function readingOrder(scene: Scene): SceneObject[] {
  return [...scene.objects].sort((a, b) => a.row - b.row || a.col - b.col);
}

/** "I see a red circle at top left and a blue square at bottom right." */
export function describeScene(scene: Scene): string {
  const objs = readingOrder(scene).map((o) => describeObject(scene, o));
  if (objs.length === 0) return 'I see nothing.';
  if (objs.length === 1) return `I see a ${objs[0]}.`;
  return `I see a ${objs.slice(0, -1).join(', a ')} and a ${objs[objs.length - 1]}.`;
}

/**
 * The stage-2 understanding completion: what the image holds, the step the question needs, then the answer.
 * The answer after `</think>` is the record's exact answer, so the scorer sees the same string as in stage 1.
 */
export function understandingTrace(r: UnderstandingRecord): string {
  const { scene, question } = r;
  const seen = describeScene(scene);
  let step = '';
  const q = question.question;
  const countMatch = /^How many (\w+) are there\?$/.exec(q);
  if (countMatch) {
    const word = countMatch[1]!;
    const matching = word === 'shapes' ? scene.objects : scene.objects.filter((o) => plural(o.shape) === word);
    step = ` ${word[0]!.toUpperCase()}${word.slice(1)}: ${matching.length}.`;
  } else if (question.category === 'existence') step = ` So the answer is ${question.answer}.`;
  return `<think>${seen}${step}</think> ${question.answer}`;
}

/** The stage-2 plan of a text-to-image item: where each shape of its reference scene goes. */
export function t2iPlan(r: T2IRecord): string {
  const objs = readingOrder(r.scene).map((o) => describeObject(r.scene, o));
  return `<think>${objs.join(', ')}</think>`;
}

/** What a text-to-image row conditions on: the prompt alone (stage 1) or the prompt and its plan (stage 2). */
export function t2iConditioningText(prompt: string, plan?: string): string {
  return plan === undefined ? prompt : `${prompt} ${plan}`;
}

/** The chat request that asks the model for a plan before drawing (stage 2 and inference). */
export function t2iPlanRequest(prompt: string): string {
  return `Plan the image: ${prompt}`;
}

/**
 * Every text the recipe can produce from `count` train items of each task: the corpus the text tokenizer
 * is learned from (test-split items use the same templates, so their words are covered too).
 */
export function* shapesWorldCorpus(count: number): Generator<string> {
  for (const r of generateShapesWorld('reasoning', { split: 'train', count })) {
    yield r.problem.question;
    yield r.problem.completion;
    yield plainArithmeticText(r);
  }
  for (const r of generateShapesWorld('understanding', { split: 'train', count })) {
    yield r.question.question;
    yield understandingTrace(r);
  }
  for (const r of generateShapesWorld('t2i', { split: 'train', count })) {
    yield t2iPlanRequest(r.prompt.prompt);
    yield t2iConditioningText(r.prompt.prompt, t2iPlan(r));
  }
  // The chat template's words (roles) and the thinking-mode instruction.
  yield 'user';
  yield 'assistant';
  yield 'system';
  yield 'The answer is';
}
