import { extractYesNo } from '../scoring/yes-no.js';
import { normalizeVqaAnswer } from '../scoring/vqa-normalization.js';
import type { Rng } from './prng.js';
import { COLOR_NAMES } from './palette.js';
import { type CanvasSize, cellName, type Scene, type SceneObject, sceneGeometry } from './scene.js';
import { plural, SHAPES } from './shapes.js';

export const UNDERSTANDING_CATEGORIES = ['count', 'color', 'position', 'existence'] as const;
export type UnderstandingCategory = (typeof UNDERSTANDING_CATEGORIES)[number];

export interface UnderstandingQuestion {
  readonly category: UnderstandingCategory;
  readonly question: string;
  /** The exact answer: a digit string, a colour name, a cell name (`top left`) or `yes` / `no`. */
  readonly answer: string;
}

/** A random scene of 1–4 shapes in distinct cells. */
export function randomScene(rng: Rng, size: CanvasSize): Scene {
  const { grid } = sceneGeometry(size);
  const n = 1 + rng.int(4);
  const cells = rng.shuffle([...Array(grid * grid).keys()]).slice(0, n);
  return {
    size,
    objects: cells.map((k): SceneObject => ({ shape: rng.pick(SHAPES), color: rng.pick(COLOR_NAMES), row: Math.floor(k / grid), col: k % grid })),
  };
}

/** A question of the given category about the scene, with its exact answer. */
export function generateQuestion(rng: Rng, scene: Scene, category: UnderstandingCategory): UnderstandingQuestion {
  const objs = scene.objects;
  const countOf = (pred: (o: SceneObject) => boolean) => objs.filter(pred).length;
  switch (category) {
    case 'count': {
      if (rng.int(4) === 0) return { category, question: 'How many shapes are there?', answer: String(objs.length) };
      const shape = rng.pick(SHAPES);
      return { category, question: `How many ${plural(shape)} are there?`, answer: String(countOf((o) => o.shape === shape)) };
    }
    case 'color': {
      // Ask only about a shape that occurs once, so the answer is unique.
      const unique = objs.filter((o) => countOf((p) => p.shape === o.shape) === 1);
      if (unique.length === 0) return generateQuestion(rng, scene, 'count');
      const target = rng.pick(unique);
      return { category, question: `What color is the ${target.shape}?`, answer: target.color };
    }
    case 'position': {
      const unique = objs.filter((o) => countOf((p) => p.shape === o.shape && p.color === o.color) === 1);
      if (unique.length === 0) return generateQuestion(rng, scene, 'count');
      const t = rng.pick(unique);
      return { category, question: `Where is the ${t.color} ${t.shape}?`, answer: cellName(scene.size, t.row, t.col) };
    }
    case 'existence': {
      // Balanced yes / no, POPE style: ask about a present object or an absent colour-shape pair.
      const present = rng.int(2) === 0;
      let shape = rng.pick(SHAPES), color = rng.pick(COLOR_NAMES);
      if (present) ({ shape, color } = rng.pick(objs));
      else {
        for (let tries = 0; tries < 50 && countOf((o) => o.shape === shape && o.color === color) > 0; tries++) {
          shape = rng.pick(SHAPES);
          color = rng.pick(COLOR_NAMES);
        }
      }
      const answer = countOf((o) => o.shape === shape && o.color === color) > 0 ? 'yes' : 'no';
      return { category, question: `Is there a ${color} ${shape} in the image?`, answer };
    }
  }
}

/**
 * True when a free-form prediction gives the exact answer: yes/no questions by keyword extraction,
 * the others after VQA answer normalisation (so `Two.` matches `2` and `the top left` matches `top left`).
 */
export function scoreUnderstanding(prediction: string, question: UnderstandingQuestion): boolean {
  if (question.category === 'existence') return extractYesNo(prediction) === question.answer;
  return normalizeVqaAnswer(prediction) === normalizeVqaAnswer(question.answer);
}
