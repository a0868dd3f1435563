import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ChoiceScorer, createImage, evaluate, formatProgress, generateShapesWorld, type Gsm8kRecord, gsm8kTask,
  likelihoodChoiceTask, math500Task, type MmluRecord, multipleChoiceTask, type PopeRecord, popeTask, type PredictionRecord,
  ProgressTracker, readPredictions, renderScene, runFiles, shapesWorldReasoningTask, shapesWorldT2ITask, shapesWorldUnderstandingTask,
  summarize, summaryMarkdown, sweepSteps, type TextModel, vqaTask, writeFileAtomic,
} from '@mmada/eval';

const tmp = () => mkdtempSync(join(tmpdir(), 'eval-harness-'));
const items: Gsm8kRecord[] = Array.from({ length: 10 }, (_, k) => ({
  id: String(k),
  question: `Q${k}: what is ${k} + ${k}?`,
  answer: `${k} + ${k} = ${2 * k}\n#### ${2 * k}`,
  gold: String(2 * k),
}));
const idOf = (prompt: string) => Number(/^Q(\d+):/.exec(prompt)![1]);
/** Right for even ids, wrong for odd ones. */
const evenModel = (calls: number[] = []): TextModel => ({
  async generate(prompt) {
    const k = idOf(prompt);
    calls.push(k);
    return `The answer is \\boxed{${k % 2 === 0 ? 2 * k : 2 * k + 1}}.`;
  },
});

describe('evaluate', () => {
  it('scores, writes predictions, summary JSON, markdown and SVG, and reports progress', async () => {
    const outDir = tmp();
    const progress: number[] = [];
    const summary = await evaluate(gsm8kTask(), evenModel(), items, { outDir, onProgress: (p) => progress.push(p.done) });
    expect(summary).toMatchObject({ task: 'gsm8k', n: 10, correct: 5, accuracy: 0.5, meanScore: 0.5 });
    expect(summary.byCategory).toEqual({ all: { n: 10, correct: 5, accuracy: 0.5, meanScore: 0.5 } });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const files = runFiles(outDir);
    const lines = readFileSync(files.predictions, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PredictionRecord);
    expect(lines.map((l) => [l.id, l.correct, l.extracted])).toEqual(items.map((it, k) => [it.id, k % 2 === 0, String(k % 2 === 0 ? 2 * k : 2 * k + 1)]));
    expect(JSON.parse(readFileSync(files.summaryJson, 'utf8'))).toMatchObject({ n: 10, accuracy: 0.5 });
    expect(readFileSync(files.summaryMarkdown, 'utf8')).toContain('| **all** | 10 | 5 | 50.0 |');
    const svg = readFileSync(files.summarySvg, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/class="bar"/g)).toHaveLength(2);
    expect(svg).toContain('accuracy (fraction correct)');
    expect([...readFileSync(files.summaryPng).subarray(0, 4)]).toEqual([137, 80, 78, 71]);
    expect(readdirSync(outDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('resumes an interrupted run, skipping ids already scored', async () => {
    const outDir = tmp();
    let n = 0;
    const crashing: TextModel = {
      async generate(prompt) {
        if (++n === 5) throw new Error('out of memory');
        return evenModel().generate(prompt);
      },
    };
    await expect(evaluate(gsm8kTask(), crashing, items, { outDir })).rejects.toThrow('out of memory');
    expect(await readPredictions(runFiles(outDir).predictions)).toHaveLength(4);
    expect(existsSync(runFiles(outDir).summaryJson)).toBe(false);
    // A write cut off mid-line is dropped and its item redone.
    appendFileSync(runFiles(outDir).predictions, '{"id":"4","categ');
    const calls: number[] = [];
    const summary = await evaluate(gsm8kTask(), evenModel(calls), items, { outDir });
    expect(calls).toEqual([4, 5, 6, 7, 8, 9]);
    expect(summary).toMatchObject({ n: 10, correct: 5 });
    const ids = (await readPredictions(runFiles(outDir).predictions)).map((r) => r.id);
    expect(ids).toEqual(items.map((i) => i.id));
    // A finished run resumed again does nothing; resume: false starts over.
    const again: number[] = [];
    await evaluate(gsm8kTask(), evenModel(again), items, { outDir });
    expect(again).toEqual([]);
    await evaluate(gsm8kTask(), evenModel(again), items, { outDir, resume: false, limit: 3 });
    expect(again).toEqual([0, 1, 2]);
    expect(await readPredictions(runFiles(outDir).predictions)).toHaveLength(3);
  });

  it('reads async iterables and passes the step count to the model', async () => {
    const seen: Array<number | undefined> = [];
    const model: TextModel = { generate: async (_p, o) => (seen.push(o?.steps), '#### 0') };
    async function* stream() {
      yield* items.slice(0, 3);
    }
    const summary = await evaluate(gsm8kTask({ mode: 'strict' }), model, stream(), { outDir: tmp(), steps: 64, total: 3 });
    expect(seen).toEqual([64, 64, 64]);
    expect(summary).toMatchObject({ task: 'gsm8k-strict', n: 3, correct: 1, steps: 64 });
  });
});

describe('progress', () => {
  it('derives rate and ETA from the clock', () => {
    let t = 0;
    const tracker = new ProgressTracker(10, 2, () => t);
    t = 2000;
    const p = tracker.tick();
    expect(p).toEqual({ done: 3, total: 10, resumed: 2, elapsedSeconds: 2, rate: 0.5, etaSeconds: 14 });
    expect(formatProgress('gsm8k', p)).toBe('gsm8k 3/10 · 0.50 it/s · ETA 14s');
    expect(formatProgress('x', { done: 5, resumed: 0, elapsedSeconds: 1, rate: 12, etaSeconds: 3725 })).toBe('x 5 · 12.0 it/s · ETA 1h02m');
  });
});

describe('summary and charts', () => {
  const rec = (id: string, category: string, correct: boolean, score = correct ? 1 : 0): PredictionRecord => ({ id, category, prediction: '', correct, score, elapsedMs: 500 });

  it('breaks results down by category', () => {
    const s = summarize('t', [rec('1', 'b', true), rec('2', 'a', false, 0.5), rec('3', 'a', true)], { f1: 0.25 });
    expect(Object.keys(s.byCategory)).toEqual(['a', 'b']);
    expect(s.byCategory.a).toEqual({ n: 2, correct: 1, accuracy: 0.5, meanScore: 0.75 });
    expect(s).toMatchObject({ n: 3, correct: 2, secondsPerItem: 0.5, metrics: { f1: 0.25 } });
    const md = summaryMarkdown(s);
    expect(md).toContain('| a | 2 | 1 | 50.0 | 0.7500 |');
    expect(md).toContain('| f1 | 0.2500 |');
    expect(summarize('empty', [])).toMatchObject({ n: 0, accuracy: 0, meanScore: 0 });
  });


  it('writeFileAtomic replaces a file without leaving temp files', async () => {
    const dir = tmp();
    await writeFileAtomic(join(dir, 'f.json'), 'one');
    await writeFileAtomic(join(dir, 'f.json'), 'two');
    expect(readFileSync(join(dir, 'f.json'), 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['f.json']);
  });
});

describe('sweepSteps', () => {
  it('evaluates at each step count and writes the table and chart', async () => {
    const outDir = tmp();
    // More steps, more answers right: item k is right when k < steps / 32.
    const model: TextModel = { generate: async (p, o) => `\\boxed{${idOf(p) < (o?.steps ?? 0) / 32 ? 2 * idOf(p) : -1}}` };
    const points = await sweepSteps([64, 128, 256], gsm8kTask(), model, items, { outDir });
    expect(points.map((p) => [p.steps, p.accuracy])).toEqual([[64, 0.2], [128, 0.4], [256, 0.8]]);
    expect(readFileSync(join(outDir, 'sweep.md'), 'utf8')).toContain('| 128 | 10 | 40.0 |');
    expect(JSON.parse(readFileSync(join(outDir, 'sweep.json'), 'utf8'))[2]).toMatchObject({ steps: 256, accuracy: 0.8 });
    expect(readFileSync(join(outDir, 'sweep.svg'), 'utf8')).toContain('<polyline');
    expect(existsSync(join(outDir, 'sweep.png'))).toBe(true);
    expect(existsSync(join(outDir, 'steps-64', 'predictions.jsonl'))).toBe(true);
    await expect(sweepSteps([], gsm8kTask(), model, items, { outDir })).rejects.toThrow(RangeError);
  });
});

describe('built-in tasks', () => {
  const mmlu: MmluRecord[] = [
    { id: 'm1', question: 'Capital of France?', choices: ['Lyon', 'Paris'], answer: 1, subject: 'geo' },
    { id: 'm2', question: '2 + 2?', choices: ['4', '5'], answer: 0, subject: 'math' },
  ];

  it('math500 and multiple choice by generation', async () => {
    const math = await evaluate(math500Task(), { generate: async () => '\\boxed{\\dfrac12}' }, [
      { id: 'a', problem: 'p', answer: '\\frac{1}{2}', subject: 'Algebra' },
      { id: 'b', problem: 'p', answer: '3', subject: 'Geometry' },
    ], { outDir: tmp() });
    expect(math.byCategory).toMatchObject({ Algebra: { correct: 1 }, Geometry: { correct: 0 } });
    const mc = await evaluate(multipleChoiceTask(), { generate: async (p) => (p.includes('France') ? 'The answer is B' : 'B') }, mmlu, { outDir: tmp() });
    expect(mc.byCategory).toMatchObject({ geo: { correct: 1 }, math: { correct: 0 } });
  });

  it('multiple choice by likelihood through a ChoiceScorer', async () => {
    const scorer: ChoiceScorer = { scoreChoices: async (_c, choices) => choices.map((c) => (c.trim() === 'Paris' || c.trim() === '5' ? -1 : -2)) };
    const s = await evaluate(likelihoodChoiceTask(), scorer, mmlu, { outDir: tmp() });
    expect(s).toMatchObject({ n: 2, correct: 1 });
  });

  it('POPE adds precision, recall and F1; VQA uses soft accuracy', async () => {
    const pope: PopeRecord[] = [
      { id: '1', question: 'dog?', answer: 'yes', category: 'random', image: { path: 'a.jpg' } },
      { id: '2', question: 'cat?', answer: 'no', category: 'random', image: { path: 'a.jpg' } },
      { id: '3', question: 'car?', answer: 'no', category: 'popular', image: { path: 'b.jpg' } },
    ];
    const s = await evaluate(popeTask(), { understand: async () => 'Yes.' }, pope, { outDir: tmp() });
    expect(s.accuracy).toBeCloseTo(1 / 3);
    expect(s.metrics).toMatchObject({ precision: 1 / 3, recall: 1, f1: 0.5, yesRatio: 1, unknown: 0 });
    const v = await evaluate(vqaTask(), { understand: async () => 'two' }, [
      { id: 'q', question: 'How many?', answers: ['2', '2', '2', '2', '3'], answerType: 'number', image: { path: 'x' } },
    ], { outDir: tmp() });
    expect(v.meanScore).toBe(1);
    await expect(evaluate(popeTask(), { understand: async () => 'yes' }, [{ id: 'x', question: 'q', answer: 'yes' }], { outDir: tmp() })).rejects.toThrow(/no image/);
  });

  it('ShapesWorld t2i: verifies the generated images and saves them', async () => {
    const records = generateShapesWorld('t2i', { split: 'test', count: 12 });
    const byPrompt = new Map(records.map((r, k) => [r.prompt.prompt + k, r]));
    let k = 0;
    // Draws the reference scene for even items and a blank canvas for odd ones.
    const model = {
      textToImage: async (prompt: string) => {
        const r = byPrompt.get(prompt + k)!;
        return k++ % 2 === 0 ? renderScene(r.scene) : createImage(32, 32);
      },
    };
    const outDir = tmp();
    const s = await evaluate(shapesWorldT2ITask(), model, records, { outDir });
    expect(s).toMatchObject({ n: 12, correct: 6 });
    expect(Object.keys(s.byCategory).sort()).toEqual(['color_attr', 'colors', 'counting', 'position', 'single_object', 'two_object']);
    expect(readdirSync(join(outDir, 'images'))).toHaveLength(12);
  });

  it('ShapesWorld understanding and reasoning', async () => {
    const u = generateShapesWorld('understanding', { split: 'test', count: 8 });
    const answers = new Map(u.map((r) => [r.question.question + JSON.stringify(r.scene), r.question.answer]));
    let image: unknown;
    const su = await evaluate(shapesWorldUnderstandingTask(), {
      understand: async (img, q) => {
        image = img;
        const r = u.find((x) => x.question.question === q)!;
        return answers.get(q + JSON.stringify(r.scene))!;
      },
    }, u, { outDir: tmp() });
    expect(su.accuracy).toBe(1);
    expect(image).toMatchObject({ width: 32, height: 32 });
    const r = generateShapesWorld('reasoning', { split: 'test', count: 4 });
    const sr = await evaluate(shapesWorldReasoningTask(), { generate: async (q) => r.find((x) => x.problem.question === q)!.problem.completion }, r, { outDir: tmp() });
    expect(sr).toMatchObject({ accuracy: 1, metrics: { thinkFormatRate: 1 } });
  });
});
