import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { lineChartSvg } from '@mmada/charts';
import { svgToPng } from '@mmada/charts/png';
import { evaluate, type EvaluateOptions } from './evaluate.js';
import { writeFileAtomic } from './files.js';
import type { EvalSummary } from './summary.js';
import type { EvalTask } from './task.js';

export interface SweepPoint {
  readonly steps: number;
  readonly accuracy: number;
  readonly meanScore: number;
  readonly secondsPerItem: number;
  readonly summary: EvalSummary;
}

/**
 * The sampling-efficiency sweep: the same evaluation at several step counts, each in its own
 * `steps-N/` folder (each resumable), plus `sweep.json`, `sweep.md` and the accuracy-vs-steps chart (`sweep.svg`, `sweep.png`).
 */
export async function sweepSteps<Item, Model>(
  stepsList: readonly number[],
  task: EvalTask<Item, Model>,
  model: Model,
  dataset: readonly Item[] | (() => Iterable<Item> | AsyncIterable<Item>),
  options: Omit<EvaluateOptions, 'steps'>,
): Promise<SweepPoint[]> {
  if (stepsList.length === 0) throw new RangeError('sweepSteps needs at least one step count');
  await mkdir(options.outDir, { recursive: true });
  const points: SweepPoint[] = [];
  for (const steps of stepsList) {
    const items = typeof dataset === 'function' ? dataset() : dataset;
    const summary = await evaluate(task, model, items, { ...options, steps, outDir: join(options.outDir, `steps-${steps}`) });
    points.push({ steps, accuracy: summary.accuracy, meanScore: summary.meanScore, secondsPerItem: summary.secondsPerItem, summary });
  }
  const table = [
    `# ${task.name}: accuracy vs sampling steps`,
    '',
    '| steps | n | accuracy (%) | mean score | s / item |',
    '|---:|---:|---:|---:|---:|',
    ...points.map((p) => `| ${p.steps} | ${p.summary.n} | ${(100 * p.accuracy).toFixed(1)} | ${p.meanScore.toFixed(4)} | ${p.secondsPerItem.toFixed(3)} |`),
    '',
  ].join('\n');
  await writeFileAtomic(join(options.outDir, 'sweep.json'), JSON.stringify(points.map(({ summary: _s, ...p }) => p), null, 2) + '\n');
  await writeFileAtomic(join(options.outDir, 'sweep.md'), table);
  const chart = lineChartSvg({
    title: `${task.name}: accuracy vs sampling steps`,
    x: { label: 'sampling steps', unit: 'denoising steps per answer' },
    y: { label: 'accuracy', unit: 'fraction correct', min: 0, max: 1 },
    smoothing: 'none: one evaluation per step count',
    note: `n = ${points[0]!.summary.n} items per point`,
    series: [{ name: 'accuracy', points: points.map((p) => ({ x: p.steps, y: p.accuracy })), markers: true }],
  });
  await writeFileAtomic(join(options.outDir, 'sweep.svg'), chart);
  const png = await svgToPng(chart);
  if (png) await writeFileAtomic(join(options.outDir, 'sweep.png'), png);
  return points;
}
