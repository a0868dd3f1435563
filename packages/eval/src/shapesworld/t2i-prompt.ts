import type { Rng } from './prng.js';
import { COLOR_NAMES, type ColorName } from './palette.js';
import { RELATIONS, type Relation } from './relations.js';
import { type CanvasSize, type Scene, type SceneObject, sceneGeometry } from './scene.js';
import { plural, SHAPES, type ShapeKind } from './shapes.js';

/** GenEval's six prompt categories. */
export const T2I_CATEGORIES = ['single_object', 'two_object', 'counting', 'colors', 'position', 'color_attr'] as const;
export type T2ICategory = (typeof T2I_CATEGORIES)[number];

/** "At least `count` shapes of this kind (and colour), placed relative to include group `target`". */
export interface ShapeRequirement {
  readonly shape: ShapeKind;
  readonly count: number;
  readonly color?: ColorName;
  readonly position?: { readonly relation: Relation; readonly target: number };
}

/** What a prompt asks for, in GenEval's include / exclude form. */
export interface T2IPrompt {
  readonly category: T2ICategory;
  readonly prompt: string;
  readonly include: readonly ShapeRequirement[];
  /** Fails when at least `count` such shapes are present (counting prompts exclude count + 1). */
  readonly exclude: readonly ShapeRequirement[];
}

const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four'];
const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');
const phrase = (shape: ShapeKind, color?: ColorName) => {
  const words = color ? `${color} ${shape}` : shape;
  return `${article(words)} ${words}`;
};

function distinctCells(rng: Rng, size: CanvasSize, n: number): Array<{ row: number; col: number }> {
  const { grid } = sceneGeometry(size);
  const cells = [...Array(grid * grid).keys()].map((k) => ({ row: Math.floor(k / grid), col: k % grid }));
  return rng.shuffle(cells).slice(0, n);
}

/** Two cells with A `relation` B: same row (left/right) or same column (above/below). */
function relatedCells(rng: Rng, size: CanvasSize, relation: Relation) {
  const { grid } = sceneGeometry(size);
  const line = rng.int(grid);
  const [p, q] = rng.shuffle([...Array(grid).keys()]).slice(0, 2).sort((x, y) => x - y);
  const [first, second] = relation === 'left of' || relation === 'above' ? [p, q] : [q, p];
  return relation === 'left of' || relation === 'right of'
    ? [{ row: line, col: first }, { row: line, col: second }]
    : [{ row: first, col: line }, { row: second, col: line }];
}

/** A prompt of the given category and a scene that satisfies it (the reference image). */
export function generateT2IPrompt(rng: Rng, size: CanvasSize, category: T2ICategory): { prompt: T2IPrompt; scene: Scene } {
  const color = () => rng.pick(COLOR_NAMES);
  const [s1, s2] = rng.shuffle(SHAPES);
  const place = (specs: Array<{ shape: ShapeKind; color: ColorName }>, cells = distinctCells(rng, size, specs.length)): Scene => ({
    size,
    objects: specs.map((s, k): SceneObject => ({ ...s, ...cells[k] })),
  });
  switch (category) {
    case 'single_object':
      return {
        prompt: { category, prompt: `a photo of ${phrase(s1)}`, include: [{ shape: s1, count: 1 }], exclude: [] },
        scene: place([{ shape: s1, color: color() }]),
      };
    case 'two_object':
      return {
        prompt: { category, prompt: `a photo of ${phrase(s1)} and ${phrase(s2)}`, include: [{ shape: s1, count: 1 }, { shape: s2, count: 1 }], exclude: [] },
        scene: place([{ shape: s1, color: color() }, { shape: s2, color: color() }]),
      };
    case 'counting': {
      const n = 2 + rng.int(Math.min(3, sceneGeometry(size).grid ** 2 - 1));
      return {
        prompt: { category, prompt: `a photo of ${NUMBER_WORDS[n]} ${plural(s1)}`, include: [{ shape: s1, count: n }], exclude: [{ shape: s1, count: n + 1 }] },
        scene: place(Array.from({ length: n }, () => ({ shape: s1, color: color() }))),
      };
    }
    case 'colors': {
      const c = color();
      return {
        prompt: { category, prompt: `a photo of ${phrase(s1, c)}`, include: [{ shape: s1, count: 1, color: c }], exclude: [] },
        scene: place([{ shape: s1, color: c }]),
      };
    }
    case 'position': {
      const relation = rng.pick(RELATIONS);
      return {
        prompt: {
          category,
          prompt: `a photo of ${phrase(s1)} ${relation} ${phrase(s2)}`,
          include: [{ shape: s2, count: 1 }, { shape: s1, count: 1, position: { relation, target: 0 } }],
          exclude: [],
        },
        scene: place([{ shape: s1, color: color() }, { shape: s2, color: color() }], relatedCells(rng, size, relation)),
      };
    }
    case 'color_attr': {
      const [c1, c2] = rng.shuffle(COLOR_NAMES);
      return {
        prompt: {
          category,
          prompt: `a photo of ${phrase(s1, c1)} and ${phrase(s2, c2)}`,
          include: [{ shape: s1, count: 1, color: c1 }, { shape: s2, count: 1, color: c2 }],
          exclude: [],
        },
        scene: place([{ shape: s1, color: c1 }, { shape: s2, color: c2 }]),
      };
    }
  }
}
