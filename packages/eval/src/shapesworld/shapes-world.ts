import { createRng, hashSeed } from './prng.js';
import { generateReasoningProblem, type ReasoningProblem } from './reasoning.js';
import type { CanvasSize, Scene } from './scene.js';
import { generateT2IPrompt, T2I_CATEGORIES, type T2IPrompt } from './t2i-prompt.js';
import { generateQuestion, randomScene, UNDERSTANDING_CATEGORIES, type UnderstandingQuestion } from './understanding.js';

/** Bumped whenever generation changes, so records from different generators are never mixed up. */
export const SHAPESWORLD_VERSION = 1;
/** Size of the fixed held-out test split of each task. */
export const SHAPESWORLD_TEST_SIZE = 600;

export type ShapesWorldSplit = 'train' | 'test';
export type ShapesWorldTask = 't2i' | 'understanding' | 'reasoning';

interface RecordBase {
  readonly version: number;
  readonly id: string;
  readonly split: ShapesWorldSplit;
  /** The seed the record was generated from. */
  readonly seed: number;
  readonly category: string;
}

export interface T2IRecord extends RecordBase {
  readonly task: 't2i';
  readonly prompt: T2IPrompt;
  /** A reference scene that satisfies the prompt. */
  readonly scene: Scene;
}

export interface UnderstandingRecord extends RecordBase {
  readonly task: 'understanding';
  readonly scene: Scene;
  readonly question: UnderstandingQuestion;
}

export interface ReasoningRecord extends RecordBase {
  readonly task: 'reasoning';
  readonly problem: ReasoningProblem;
}

export type ShapesWorldRecord = T2IRecord | UnderstandingRecord | ReasoningRecord;
type RecordOf<T extends ShapesWorldTask> = Extract<ShapesWorldRecord, { task: T }>;

export interface ShapesWorldOptions {
  readonly split: ShapesWorldSplit;
  readonly count: number;
  /** Canvas size for the image tasks (default 32). */
  readonly size?: CanvasSize;
}

function generateAt(task: ShapesWorldTask, split: ShapesWorldSplit, index: number, size: CanvasSize): ShapesWorldRecord {
  const seed = hashSeed('shapesworld', SHAPESWORLD_VERSION, task, size, split, index);
  const rng = createRng(seed);
  const base = { version: SHAPESWORLD_VERSION, id: `${task}-${split}-${size}-${index}`, split, seed };
  // Categories cycle so that every split is balanced across them.
  if (task === 't2i') {
    const category = T2I_CATEGORIES[index % T2I_CATEGORIES.length];
    return { ...base, task, category, ...generateT2IPrompt(rng, size, category) };
  }
  if (task === 'understanding') {
    const scene = randomScene(rng, size);
    const question = generateQuestion(rng, scene, UNDERSTANDING_CATEGORIES[index % UNDERSTANDING_CATEGORIES.length]);
    return { ...base, task, category: question.category, scene, question };
  }
  return { ...base, task, category: 'arithmetic', problem: generateReasoningProblem(rng) };
}

/** What makes two records the same item; train never repeats an item of the held-out test split. */
export function shapesWorldContentKey(r: ShapesWorldRecord): string {
  if (r.task === 't2i') return JSON.stringify([r.prompt.prompt, r.scene]);
  if (r.task === 'understanding') return JSON.stringify([r.question.question, r.scene]);
  return r.problem.question;
}

const testKeys = new Map<string, Set<string>>();

function heldOutKeys(task: ShapesWorldTask, size: CanvasSize): Set<string> {
  const k = `${task}/${size}`;
  let keys = testKeys.get(k);
  if (!keys) {
    keys = new Set();
    for (let i = 0; i < SHAPESWORLD_TEST_SIZE; i++) keys.add(shapesWorldContentKey(generateAt(task, 'test', i, size)));
    testKeys.set(k, keys);
  }
  return keys;
}

/**
 * Generates ShapesWorld records. The test split is a fixed list (`SHAPESWORLD_TEST_SIZE` items, the
 * first `count` are returned); the train split is an endless seeded stream with test items filtered out.
 * The same arguments always give the same records.
 */
export function generateShapesWorld<T extends ShapesWorldTask>(task: T, options: ShapesWorldOptions): RecordOf<T>[] {
  const size = options.size ?? 32;
  if (size !== 32 && size !== 64) throw new RangeError(`ShapesWorld canvases are 32 or 64 pixels, got ${size}`);
  if (options.split === 'test' && options.count > SHAPESWORLD_TEST_SIZE) {
    throw new RangeError(`the ShapesWorld test split has ${SHAPESWORLD_TEST_SIZE} items, asked for ${options.count}`);
  }
  const out: RecordOf<T>[] = [];
  const exclude = options.split === 'train' ? heldOutKeys(task, size) : null;
  for (let i = 0; out.length < options.count; i++) {
    const r = generateAt(task, options.split, i, size);
    if (exclude?.has(shapesWorldContentKey(r))) continue;
    out.push(r as RecordOf<T>);
  }
  return out;
}
