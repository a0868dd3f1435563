import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  cellName, COLOR_NAMES, createImage, createRng, detectObjects, generateQuestion, generateReasoningProblem, generateShapesWorld,
  generateT2IPrompt, plural, type Scene, type SceneObject, randomScene, readPng, renderScene, scoreGsm8k, scoreUnderstanding, sceneGeometry,
  SHAPES, shapesWorldContentKey, SHAPESWORLD_TEST_SIZE, SHAPESWORLD_VERSION, T2I_CATEGORIES, unigrpoReward, verifyT2I, writeShapesWorld,
} from '@mmada/eval';

const withObjects = (scene: Scene, objects: SceneObject[]): Scene => ({ ...scene, objects });
const freeCell = (scene: Scene) => {
  const { grid } = sceneGeometry(scene.size);
  for (let k = 0; k < grid * grid; k++) {
    const row = Math.floor(k / grid), col = k % grid;
    if (!scene.objects.some((o) => o.row === row && o.col === col)) return { row, col };
  }
  return null;
};

describe('text-to-image verifier', () => {
  const records = [...generateShapesWorld('t2i', { split: 'test', count: 120 }), ...generateShapesWorld('t2i', { split: 'test', count: 120, size: 64 })];

  it('accepts 100% of the generator’s own reference images', () => {
    expect(new Set(records.map((r) => r.category))).toEqual(new Set(T2I_CATEGORIES));
    const failures = records.filter((r) => !verifyT2I(renderScene(r.scene), r.prompt).correct);
    expect(failures.map((r) => r.prompt.prompt)).toEqual([]);
  });

  it('rejects a blank canvas for every prompt', () => {
    for (const r of records.slice(0, 12)) expect(verifyT2I(createImage(r.scene.size, r.scene.size), r.prompt).correct).toBe(false);
  });

  it('rejects wrong colours', () => {
    const coloured = records.filter((r) => r.category === 'colors' || r.category === 'color_attr');
    expect(coloured.length).toBeGreaterThan(20);
    for (const r of coloured) {
      const [first, ...rest] = r.scene.objects;
      const other = COLOR_NAMES.find((c) => c !== first.color && !rest.some((o) => o.shape === first.shape && o.color === c))!;
      const verdict = verifyT2I(renderScene(withObjects(r.scene, [{ ...first, color: other }, ...rest])), r.prompt);
      expect(verdict.correct, r.prompt.prompt).toBe(false);
      expect(verdict.reasons[0]).toMatch(/^expected 1 \w+ \w+, found 0$/);
    }
  });

  it('rejects wrong counts, one too few or one too many', () => {
    const counting = records.filter((r) => r.category === 'counting');
    expect(counting.length).toBeGreaterThan(20);
    let tooMany = 0;
    for (const r of counting) {
      const objs = r.scene.objects;
      expect(verifyT2I(renderScene(withObjects(r.scene, objs.slice(1))), r.prompt).correct, r.prompt.prompt).toBe(false);
      const cell = freeCell(r.scene);
      if (cell) {
        tooMany++;
        const extra = { ...objs[0], ...cell };
        expect(verifyT2I(renderScene(withObjects(r.scene, [...objs, extra])), r.prompt).correct, r.prompt.prompt).toBe(false);
      }
    }
    expect(tooMany).toBeGreaterThan(5);
  });

  it('rejects swapped positions', () => {
    const positional = records.filter((r) => r.category === 'position');
    expect(positional.length).toBeGreaterThan(20);
    for (const r of positional) {
      const [a, b] = r.scene.objects;
      const swapped = [{ ...a, row: b.row, col: b.col }, { ...b, row: a.row, col: a.col }];
      const verdict = verifyT2I(renderScene(withObjects(r.scene, swapped)), r.prompt);
      expect(verdict.correct, r.prompt.prompt).toBe(false);
      expect(verdict.reasons[0]).toMatch(/is not (left of|right of|above|below)/);
    }
  });

  it('rejects wrong shapes for object prompts', () => {
    for (const r of records.filter((x) => x.category === 'single_object' || x.category === 'two_object')) {
      const [first, ...rest] = r.scene.objects;
      const other = SHAPES.find((s) => s !== first.shape && !rest.some((o) => o.shape === s))!;
      expect(verifyT2I(renderScene(withObjects(r.scene, [{ ...first, shape: other }, ...rest])), r.prompt).correct).toBe(false);
    }
  });

  it('generates GenEval-style prompts', () => {
    const rng = createRng(5);
    expect(generateT2IPrompt(rng, 32, 'counting').prompt.prompt).toMatch(/^a photo of (two|three|four) \w+$/);
    expect(generateT2IPrompt(rng, 32, 'color_attr').prompt.prompt).toMatch(/^a photo of an? \w+ \w+ and an? \w+ \w+$/);
    expect(generateT2IPrompt(rng, 32, 'position').prompt.prompt).toMatch(/^a photo of an? \w+ (left of|right of|above|below) an? \w+$/);
  });
});

describe('understanding questions', () => {
  it('have exact answers that agree with what the pixels show', () => {
    const records = generateShapesWorld('understanding', { split: 'test', count: 200 });
    for (const r of records) {
      const seen = detectObjects(renderScene(r.scene));
      const q = r.question;
      const words = q.question.replace('?', '').split(' ');
      if (q.category === 'count') {
        const shape = SHAPES.find((x) => plural(x) === words[2]);
        const expected = words[2] === 'shapes' ? seen.length : seen.filter((o) => o.shape === shape).length;
        expect(q.answer, q.question).toBe(String(expected));
      } else if (q.category === 'color') {
        expect(seen.filter((o) => o.shape === words[4]).map((o) => o.color)).toEqual([q.answer]);
      } else if (q.category === 'position') {
        const [color, shape] = [words[3], words[4]];
        const o = seen.find((x) => x.color === color && x.shape === shape)!;
        const { cell } = sceneGeometry(r.scene.size);
        expect(cellName(r.scene.size, Math.floor(o.centroid.y / cell), Math.floor(o.centroid.x / cell))).toBe(q.answer);
      } else {
        const [color, shape] = [words[3], words[4]];
        expect(q.answer).toBe(seen.some((o) => o.color === color && o.shape === shape) ? 'yes' : 'no');
      }
      expect(scoreUnderstanding(q.answer, q)).toBe(true);
    }
    const existence = records.filter((r) => r.category === 'existence');
    const yes = existence.filter((r) => r.question.answer === 'yes').length;
    expect(yes / existence.length).toBeGreaterThan(0.3);
    expect(yes / existence.length).toBeLessThan(0.7);
  });

  it('scores free-form answers', () => {
    const scene = randomScene(createRng(3), 32);
    const q = generateQuestion(createRng(4), scene, 'existence');
    expect(scoreUnderstanding(q.answer === 'yes' ? 'Yes, there is.' : 'No.', q)).toBe(true);
    expect(scoreUnderstanding('Two.', { category: 'count', question: 'How many?', answer: '2' })).toBe(true);
    expect(scoreUnderstanding('the top left', { category: 'position', question: 'Where?', answer: 'top left' })).toBe(true);
    expect(scoreUnderstanding('red', { category: 'color', question: 'What color?', answer: 'blue' })).toBe(false);
  });
});

describe('reasoning problems', () => {
  it('have traces in the <think> format whose answers score full marks', () => {
    const rng = createRng(11);
    for (let i = 0; i < 200; i++) {
      const p = generateReasoningProblem(rng);
      expect(p.completion).toMatch(/^<think>.+<\/think> The answer is \d+\.$/);
      expect(p.answer.endsWith(`#### ${p.gold}`)).toBe(true);
      expect(Number(p.gold)).toBeGreaterThanOrEqual(0);
      expect(unigrpoReward(p.completion, p.answer).total).toBe(2.5);
      expect(scoreGsm8k(p.completion, p.answer).correct).toBe(true);
      // The calculator annotations are right.
      for (const [, expr, value] of p.answer.matchAll(/<<([^=]+)=([^>]+)>>/g)) {
        const [a, op, b] = expr.split(/([+\-*/])/);
        const v = op === '+' ? +a + +b : op === '-' ? +a - +b : op === '*' ? +a * +b : +a / +b;
        expect(v).toBe(Number(value));
      }
    }
  });
});

describe('splits and records', () => {
  it('are deterministic, versioned, and the test split is fixed', () => {
    const a = generateShapesWorld('reasoning', { split: 'test', count: 5 });
    const b = generateShapesWorld('reasoning', { split: 'test', count: 10 });
    expect(b.slice(0, 5)).toEqual(a);
    for (const r of b) {
      expect(r.version).toBe(SHAPESWORLD_VERSION);
      expect(r.split).toBe('test');
      expect(r.id).toMatch(/^reasoning-test-32-\d+$/);
    }
    expect(() => generateShapesWorld('t2i', { split: 'test', count: SHAPESWORLD_TEST_SIZE + 1 })).toThrow(RangeError);
    expect(() => generateShapesWorld('t2i', { split: 'train', count: 1, size: 48 as 32 })).toThrow(RangeError);
  });

  it('never put a held-out test item in train', () => {
    for (const task of ['t2i', 'understanding', 'reasoning'] as const) {
      const key = (r: ReturnType<typeof generateShapesWorld>[number]) =>
        r.task === 't2i' ? JSON.stringify([r.prompt.prompt, r.scene]) : r.task === 'understanding' ? JSON.stringify([r.question.question, r.scene]) : r.problem.question;
      const test = new Set(generateShapesWorld(task, { split: 'test', count: SHAPESWORLD_TEST_SIZE }).map(key));
      const train = generateShapesWorld(task, { split: 'train', count: 400 });
      expect(train).toHaveLength(400);
      expect(train.filter((r) => test.has(key(r)))).toEqual([]);
      expect(train.every((r) => r.split === 'train')).toBe(true);
      // the exported key is this one: the text the model reads, with the scene where there is one
      expect(train.slice(0, 20).map(shapesWorldContentKey)).toEqual(train.slice(0, 20).map(key));
    }
  });

  it('writes records.jsonl and PNG images that read back as the scenes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eval-shapes-'));
    const written = await writeShapesWorld(dir, 't2i', { split: 'test', count: 6, size: 64 });
    const lines = readFileSync(join(dir, 'records.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(written.map((r) => r.id));
    for (const line of lines) {
      const img = await readPng(join(dir, line.image));
      expect(E.isRight(img)).toBe(true);
      if (E.isRight(img)) expect(verifyT2I(img.right, line.prompt).correct).toBe(true);
    }
    const reasoning = await writeShapesWorld(join(dir, 'r'), 'reasoning', { split: 'train', count: 3 });
    expect(readFileSync(join(dir, 'r', 'records.jsonl'), 'utf8').trim().split('\n')).toHaveLength(reasoning.length);
  });
});
