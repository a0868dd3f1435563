import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceFromEnv, init, tensor, type Tensor } from '@mmada/tensor';
import { pickByLikelihood, scoreGsm8k, type PredictionRecord } from '@mmada/eval';
import { mmada, writeTinyImageTokenizer, writeTinyModel } from './support.js';
import { hashText, likelihoodChoiceScorer } from '../src/model-adapter.js';

const device = deviceFromEnv() ?? 'cpu';
const root = mkdtempSync(join(tmpdir(), 'mmada-eval-'));
const model = join(root, 'tiny-mmada');
const vq = join(root, 'tiny-vq');
const gsm8k = join(root, 'gsm8k.jsonl');
const mmlu = join(root, 'mmlu.jsonl');

const GSM8K_ROWS = [
  { question: 'Tom has 3 apples and buys 4 more. How many apples does he have?', answer: '3 + 4 = 7\n#### 7' },
  { question: 'A box holds 12 eggs. How many eggs are in 2 boxes?', answer: '12 * 2 = 24\n#### 24' },
  { question: 'Sara had 10 coins and spent 6. How many are left?', answer: '10 - 6 = 4\n#### 4' },
];
// Small sampling settings: the checkpoint is random, so only the plumbing is under test.
const SAMPLING = ['--gen-length', '8', '--block-length', '4', '--steps', '4', '--device', device];

const predictions = (dir: string): PredictionRecord[] =>
  readFileSync(join(dir, 'predictions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PredictionRecord);

beforeAll(async () => {
  await init({ device });
  await writeTinyModel(model, 1, device);
  await writeTinyImageTokenizer(vq, 2, device);
  writeFileSync(gsm8k, GSM8K_ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n');
  writeFileSync(
    mmlu,
    [
      { question: 'What colour is the sky?', choices: ['blue', 'green', 'red'], answer: 0, subject: 'nature' },
      { question: '2 + 2 =', choices: ['3', '4'], answer: 'B', subject: 'math' },
    ].map((r) => JSON.stringify(r)).join('\n') + '\n',
  );
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('mmada eval --task gsm8k', () => {
  it('runs the tiny checkpoint over a JSONL file and writes predictions, summary JSON / markdown / SVG', async () => {
    const out = join(root, 'gsm8k-run');
    const r = await mmada('eval', '--task', 'gsm8k', '--model', model, '--data', gsm8k, '--out', out, ...SAMPLING);
    expect(r.stderr).not.toMatch(/mmada eval:/);
    expect(r.code).toBe(0);
    for (const f of ['predictions.jsonl', 'summary.json', 'summary.md', 'summary.svg']) expect(existsSync(join(out, f))).toBe(true);
    const rows = predictions(out);
    expect(rows.map((p) => p.id)).toEqual(['1', '2', '3']);
    rows.forEach((p, i) => {
      // The model's decoded answer is recorded, and the record's verdict is the GSM8K scorer's on it.
      expect(typeof p.prediction).toBe('string');
      const s = scoreGsm8k(p.prediction, GSM8K_ROWS[i]!.answer);
      expect(p.correct).toBe(s.correct);
      expect(p.extracted).toBe(s.extracted);
      expect(p.info).toEqual({ gold: s.gold });
    });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ task: 'gsm8k', steps: 4, n: 3, correct: rows.filter((p) => p.correct).length });
    expect(r.stdout).toBe(readFileSync(join(out, 'summary.md'), 'utf8'));
    expect(r.stdout).toMatch(/\| \*\*all\*\* \| 3 \|/);
    expect(readFileSync(join(out, 'summary.svg'), 'utf8')).toMatch(/^<svg/);
    expect(r.stderr).toMatch(/gsm8k 3\/3 items · [\d.]+ items\/s/);
  });

  it('is deterministic per prompt: the same seed gives the same predictions in another run', async () => {
    const a = join(root, 'gsm8k-a');
    const b = join(root, 'gsm8k-b');
    await mmada('eval', '--task', 'gsm8k', '--model', model, '--data', gsm8k, '--out', a, '--temperature', '1', '--seed', '3', ...SAMPLING);
    // b sees the rows in another order (a limit of 1 first, then the rest by resuming).
    await mmada('eval', '--task', 'gsm8k', '--model', model, '--data', gsm8k, '--out', b, '--temperature', '1', '--seed', '3', '--limit', '1', ...SAMPLING);
    await mmada('eval', '--task', 'gsm8k', '--model', model, '--data', gsm8k, '--out', b, '--temperature', '1', '--seed', '3', '--resume', ...SAMPLING);
    expect(predictions(b).map((p) => p.prediction)).toEqual(predictions(a).map((p) => p.prediction));
  });

  it('--resume skips the ids already scored; without it an existing run is not overwritten', async () => {
    const out = join(root, 'gsm8k-resume');
    const first = await mmada('eval', '--task', 'gsm8k', '--model', model, '--data', gsm8k, '--out', out, '--limit', '2', ...SAMPLING);
    expect(first.code).toBe(0);
    const before = readFileSync(join(out, 'predictions.jsonl'), 'utf8');
    expect(predictions(out)).toHaveLength(2);

    const refused = await mmada('eval', '--task', 'gsm8k', '--model', model, '--data', gsm8k, '--out', out, ...SAMPLING);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/predictions\.jsonl exists from an earlier run: pass --resume to continue it, --overwrite to start over/);
    expect(readFileSync(join(out, 'predictions.jsonl'), 'utf8')).toBe(before);

    const resumed = await mmada('eval', '--task', 'gsm8k', '--model', model, '--data', gsm8k, '--out', out, '--resume', '--json', ...SAMPLING);
    expect(resumed.code).toBe(0);
    const after = readFileSync(join(out, 'predictions.jsonl'), 'utf8');
    expect(after.startsWith(before)).toBe(true); // the first two lines untouched: those items did not run again
    expect(predictions(out).map((p) => p.id)).toEqual(['1', '2', '3']);
    expect(resumed.stderr).toMatch(/gsm8k 3\/3/);
    const summary = JSON.parse(resumed.stdout);
    expect(summary.n).toBe(3);
    expect(summary.files.predictions).toBe(join(out, 'predictions.jsonl'));

    const over = await mmada('eval', '--task', 'gsm8k', '--model', model, '--data', gsm8k, '--out', out, '--overwrite', '--limit', '1', ...SAMPLING);
    expect(over.code).toBe(0);
    expect(predictions(out)).toHaveLength(1);
  });

  it('--sweep-steps runs each step count in its own folder and writes the sweep', async () => {
    const out = join(root, 'gsm8k-sweep');
    const r = await mmada('eval', '--task', 'gsm8k', '--model', model, '--data', gsm8k, '--out', out, '--limit', '2', '--gen-length', '4', '--block-length', '2', '--sweep-steps', '2,4', '--json', '--device', device);
    expect(r.code).toBe(0);
    const { points } = JSON.parse(r.stdout) as { points: { steps: number; summary: { n: number; steps: number } }[] };
    expect(points.map((p) => [p.steps, p.summary.n, p.summary.steps])).toEqual([[2, 2, 2], [4, 2, 4]]);
    for (const f of ['steps-2/predictions.jsonl', 'steps-4/summary.json', 'sweep.json', 'sweep.md', 'sweep.svg']) expect(existsSync(join(out, f))).toBe(true);
  });
});

describe('mmada eval: other tasks', () => {
  it('mmlu by Monte-Carlo likelihood records one finite score per choice', async () => {
    const out = join(root, 'mmlu');
    const r = await mmada('eval', '--task', 'mmlu', '--model', model, '--data', mmlu, '--out', out, '--mc-num', '2', '--json', '--device', device);
    expect(r.code).toBe(0);
    const rows = predictions(out);
    expect(rows.map((p) => p.category)).toEqual(['nature', 'math']);
    for (const [i, p] of rows.entries()) {
      const scores = p.info!.scores as number[];
      expect(scores).toHaveLength(i === 0 ? 3 : 2);
      expect(scores.every((s) => Number.isFinite(s) && s < 0)).toBe(true);
      expect(p.prediction).toBe('ABC'[scores.indexOf(Math.max(...scores))]);
    }
    expect(JSON.parse(r.stdout)).toMatchObject({ task: 'mmlu', n: 2 });
  });

  it('shapesworld-reasoning generates the test split', async () => {
    const out = join(root, 'reasoning');
    const r = await mmada('eval', '--task', 'shapesworld-reasoning', '--model', model, '--limit', '2', '--out', out, '--raw', ...SAMPLING);
    expect(r.code).toBe(0);
    expect(predictions(out).map((p) => p.id)).toEqual(['reasoning-test-32-0', 'reasoning-test-32-1']);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).metrics).toHaveProperty('thinkFormatRate');
  });

  it('shapesworld-understanding and -t2i run through the image tokenizer given by --vq', async () => {
    const u = join(root, 'understanding');
    const ru = await mmada('eval', '--task', 'shapesworld-understanding', '--model', model, '--vq', vq, '--limit', '2', '--out', u, ...SAMPLING);
    expect(ru.stderr).not.toMatch(/mmada eval:/);
    expect(ru.code).toBe(0);
    expect(predictions(u)).toHaveLength(2);

    const t = join(root, 't2i');
    const rt = await mmada('eval', '--task', 'shapesworld-t2i', '--model', model, '--vq', vq, '--limit', '2', '--out', t, '--steps', '2', '--max-seq-length', '16', '--device', device);
    expect(rt.stderr).not.toMatch(/mmada eval:/);
    expect(rt.code).toBe(0);
    const rows = predictions(t);
    expect(rows.map((p) => p.prediction)).toEqual(['images/t2i-test-32-0.png', 'images/t2i-test-32-1.png']);
    for (const p of rows) expect(readFileSync(join(t, p.prediction)).subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('mmada eval: command-line errors (exit status 2)', () => {
  it('names the problem and prints the usage', async () => {
    const bad = await mmada('eval', '--task', 'gsm9k', '--model', model, '--data', gsm8k);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--task expects one of gsm8k, math500, mmlu, shapesworld-reasoning, shapesworld-understanding, shapesworld-t2i, got "gsm9k"/);
    expect(bad.stderr).toMatch(/mmada eval --task TASK --model DIR/);

    const noModel = await mmada('eval', '--task', 'gsm8k', '--data', gsm8k);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/--model DIR is required/);

    expect((await mmada('eval', '--model', model)).stderr).toMatch(/--task is required/);
    expect((await mmada('eval', '--task', 'gsm8k', '--model', model)).stderr).toMatch(/--task gsm8k needs --data FILE/);
    expect((await mmada('eval', '--task', 'gsm8k', '--model', model, '--data', join(root, 'nope.jsonl'))).stderr).toMatch(/nope\.jsonl: no such file/);
    expect((await mmada('eval', '--task', 'gsm8k', '--model', model, '--data', gsm8k, '--gen-length', '10', '--block-length', '4')).stderr).toMatch(/multiple of --block-length/);
    expect((await mmada('eval', '--task', 'gsm8k', '--model', model, '--data', gsm8k, '--sweep-steps', '8,x')).stderr).toMatch(/entry 2 is "x"/);

    const noVq = await mmada('eval', '--task', 'shapesworld-t2i', '--model', model);
    expect(noVq.code).toBe(2);
    expect(noVq.stderr).toMatch(/needs the image tokenizer: pass --vq DIR/);
  });

  it('a malformed dataset row is a failure (exit 1) naming the file, row and field', async () => {
    const broken = join(root, 'broken.jsonl');
    writeFileSync(broken, `${JSON.stringify(GSM8K_ROWS[0])}\n${JSON.stringify({ question: 'q', answer: 'no hashes' })}\n`);
    const r = await mmada('eval', '--task', 'gsm8k', '--model', model, '--data', broken, '--out', join(root, 'broken'), ...SAMPLING);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.jsonl, row 2, field "answer"/);
  });
});

describe('likelihoodChoiceScorer', () => {
  // A toy mask predictor over an 8-token vocabulary that is certain every position holds `favourite`.
  const V = 8;
  const certainOf =
    (favourite: number) =>
    (ids: Tensor): Tensor => {
      const [B, L] = ids.shape as [number, number];
      const logits = new Array<number>(B * L * V).fill(-10);
      for (let p = 0; p < B * L; p++) logits[p * V + favourite] = 10;
      return tensor(logits, [B, L, V], 'f32', { device });
    };
  const encode = (text: string) => [...text].map((c) => Number(c)); // "35" → [3, 5]

  it('picks the choice the model is certain of, whatever its position', async () => {
    for (const [favourite, expected] of [[3, 1], [6, 2], [5, 0]] as const) {
      const scorer = likelihoodChoiceScorer(certainOf(favourite), encode, { mcNum: 4, batchSize: 2, maskId: 7, seed: 0, device });
      const pick = await pickByLikelihood(scorer, '12', ['5', '33', '66']);
      expect(pick.index).toBe(expected);
      expect(pick.scores[expected]).toBeGreaterThan(-1e-3); // log p ≈ 0 for a certain continuation
      pick.scores.forEach((s, i) => {
        if (i !== expected) expect(s).toBeLessThan(-10);
      });
    }
  });

  it('hashText is stable (it keys the per-prompt PRNG, so resumed runs match)', () => {
    expect(hashText('')).toBe(0x811c9dc5);
    expect(hashText('a')).toBe(0xe40c292c);
  });
});
