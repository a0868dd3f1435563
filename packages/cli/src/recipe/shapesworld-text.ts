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
import { t2iConditioningText, t2iPlanRequest } from '@mmada/mmada';

/** The completion of a reasoning item without the trace tags: the stage-1 arithmetic corpus. */
export function plainArithmeticText(r: ReasoningRecord): string {
  const m = /^<think>(.*)<\/think>\s*(.*)$/s.exec(r.problem.completion);
  const body = m ? `${m[1]!.trim()} ${m[2]!.trim()}` : r.problem.completion;
  return `${r.problem.question} ${body}`;
}

/**
 * How a stage-2 reasoning trace writes its arithmetic. `plain` is ShapesWorld's own completion
 * (`17 + 23 = 40.`); `padded` writes every number of an equation with three digits (`017 + 023 = 040.`),
 * the rest of the completion unchanged (the answer after `</think>` stays `40`). With digits as single
 * tokens, padding puts each digit of a result at a fixed distance from the operand digits it depends on
 * (and from the carry or borrow of the digit below), meant to let the predictor learn a column rule instead of
 * first working out where a number of varying length ends. ShapesWorld's problems never exceed 108. At
 * mmada-tiny's size it did worse than `plain` (MODEL_CARD.md), so `plain` stays the default.
 */
export type ReasoningTrace = 'plain' | 'padded';
export const REASONING_TRACES: readonly ReasoningTrace[] = ['plain', 'padded'];

/** Digits every number of a padded equation is written with. */
export const PADDED_DIGITS = 3;

const EQUATION = /(\d+) ([-+*/]) (\d+) = (\d+)\./g;

/** The stage-2 completion of a reasoning item, its equations written as `trace` says. */
export function reasoningCompletion(r: ReasoningRecord, trace: ReasoningTrace = 'plain'): string {
  if (trace === 'plain') return r.problem.completion;
  const pad = (n: string) => {
    if (n.length > PADDED_DIGITS) throw new RangeError(`reasoningCompletion: ${n} has more than ${PADDED_DIGITS} digits (question: ${r.problem.question})`);
    return n.padStart(PADDED_DIGITS, '0');
  };
  return r.problem.completion.replace(EQUATION, (_m, a: string, op: string, b: string, v: string) => `${pad(a)} ${op} ${pad(b)} = ${pad(v)}.`);
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
 * How a stage-2 understanding trace reaches its answer. Both list what the image holds first (`I see a red
 * circle at top left and …`). `list` then answers (with a count for counting questions, `So the answer is`
 * for yes/no ones). `lookup` first states the fact a colour, position or yes/no question asks about, in a
 * sentence that repeats the question's key: `The green square is at top right.`, `The square is orange.`,
 * `No red triangle. So the answer is no.` The answer then copies from the sentence next to it, and the
 * sentence copies what follows (or precedes) the key in the list, where `list` asks the model to find the object
 * and answer in one step. Counting questions are the same in both (`Circles: 2.`). The longest `lookup` answer
 * is 48 tokens, the recipe's understanding length. At mmada-tiny's size the sentence named the wrong object as
 * often as `list` answered wrongly (MODEL_CARD.md), so `list` stays the default.
 */
export type UnderstandingTrace = 'list' | 'lookup';
export const UNDERSTANDING_TRACES: readonly UnderstandingTrace[] = ['list', 'lookup'];

const capitalized = (w: string) => `${w[0]!.toUpperCase()}${w.slice(1)}`;

/**
 * The stage-2 understanding completion: what the image holds, the step the question needs, then the answer.
 * The answer after `</think>` is the record's exact answer, so the scorer sees the same string as in stage 1.
 */
export function understandingTrace(r: UnderstandingRecord, trace: UnderstandingTrace = 'list'): string {
  const { scene, question } = r;
  const seen = describeScene(scene);
  const cellOf = (o: SceneObject) => cellName(scene.size, o.row, o.col);
  const q = question.question;
  let step = '';
  const countMatch = /^How many (\w+) are there\?$/.exec(q);
  if (countMatch) {
    const word = countMatch[1]!;
    const matching = word === 'shapes' ? scene.objects : scene.objects.filter((o) => plural(o.shape) === word);
    step = ` ${capitalized(word)}: ${matching.length}.`;
  } else if (trace === 'lookup') {
    const color = /^What color is the (\w+)\?$/.exec(q);
    const key = /^(?:Where is|Is there) (?:the|a) (\w+) (\w+)(?: in the image)?\?$/.exec(q);
    const find = (pred: (o: SceneObject) => boolean) => readingOrder(scene).find(pred);
    if (question.category === 'color' && color) {
      const o = find((x) => x.shape === color[1]);
      if (o) step = ` The ${o.shape} is ${o.color}.`;
    } else if (key) {
      const o = find((x) => x.color === key[1] && x.shape === key[2]);
      step = o ? ` The ${o.color} ${o.shape} is at ${cellOf(o)}.` : ` No ${key[1]} ${key[2]}.`;
    }
    if (question.category === 'existence') step += ` So the answer is ${question.answer}.`;
  } else if (question.category === 'existence') step = ` So the answer is ${question.answer}.`;
  return `<think>${seen}${step}</think> ${question.answer}`;
}

/** The stage-2 plan of a text-to-image item: where each shape of its reference scene goes. */
export function t2iPlan(r: T2IRecord): string {
  const objs = readingOrder(r.scene).map((o) => describeObject(r.scene, o));
  return `<think>${objs.join(', ')}</think>`;
}

// The plan-first texts are @mmada/mmada's (the playground uses them too); re-exported for the recipe's modules.
export { t2iConditioningText, t2iPlanRequest };

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
