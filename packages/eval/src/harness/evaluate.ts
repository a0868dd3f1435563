import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { barChartSvg } from '@mmada/charts';
import { svgToPng } from '@mmada/charts/png';
import type { Progress } from './progress.js';
import { ProgressTracker } from './progress.js';
import { appendPrediction, readPredictions, writeFileAtomic } from './files.js';
import { type EvalSummary, summarize, summaryMarkdown } from './summary.js';
import type { EvalTask, PredictionRecord } from './task.js';

export interface EvaluateOptions {
  /** Folder for `predictions.jsonl`, `summary.json`, `summary.md`, `summary.svg` and `summary.png`. */
  readonly outDir: string;
  /** Denoising steps passed to every model call. */
  readonly steps?: number;
  /** Continue from an existing `predictions.jsonl`, skipping the ids already there (default true). */
  readonly resume?: boolean;
  /** Stop after this many dataset items (counting resumed ones). */
  readonly limit?: number;
  /** Dataset size, for the ETA when the dataset is a stream (arrays are counted). */
  readonly total?: number;
  readonly onProgress?: (p: Progress) => void;
}

/** Output files of a run. */
export const runFiles = (outDir: string) => ({
  predictions: join(outDir, 'predictions.jsonl'),
  summaryJson: join(outDir, 'summary.json'),
  summaryMarkdown: join(outDir, 'summary.md'),
  summarySvg: join(outDir, 'summary.svg'),
  /** Written where @resvg/resvg-js runs. */
  summaryPng: join(outDir, 'summary.png'),
});

/**
 * Runs a task over a dataset: each item's outcome is appended to `predictions.jsonl` as soon as it is
 * scored, so an interrupted run resumes where it stopped; at the end the summary (JSON, markdown table
 * with the per-category breakdown, bar chart as SVG and PNG) is written atomically and returned.
 */
export async function evaluate<Item, Model>(
  task: EvalTask<Item, Model>,
  model: Model,
  dataset: Iterable<Item> | AsyncIterable<Item>,
  options: EvaluateOptions,
): Promise<EvalSummary> {
  const files = runFiles(options.outDir);
  await mkdir(options.outDir, { recursive: true });
  if (options.resume === false) await rm(files.predictions, { force: true });
  const previous = await readPredictions(files.predictions);
  const done = new Set(previous.map((r) => r.id));
  const records: PredictionRecord[] = [...previous];
  const size = Array.isArray(dataset) ? dataset.length : options.total;
  const total = size !== undefined && options.limit !== undefined ? Math.min(size, options.limit) : (size ?? options.limit);
  const tracker = new ProgressTracker(total, done.size);
  let seen = 0;
  for await (const item of dataset as AsyncIterable<Item>) {
    if (options.limit !== undefined && seen >= options.limit) break;
    seen++;
    const id = task.id(item);
    if (done.has(id)) continue;
    const t0 = performance.now();
    const outcome = await task.run(model, item, { outDir: options.outDir, ...(options.steps !== undefined && { steps: options.steps }) });
    const record: PredictionRecord = {
      id,
      category: task.category(item),
      ...outcome,
      score: outcome.score ?? (outcome.correct ? 1 : 0),
      elapsedMs: performance.now() - t0,
    };
    await appendPrediction(files.predictions, record);
    records.push(record);
    done.add(id);
    options.onProgress?.(tracker.tick());
  }
  const summary = summarize(task.name, records, task.aggregate?.(records) ?? {}, options.steps);
  await writeFileAtomic(files.summaryJson, JSON.stringify(summary, null, 2) + '\n');
  await writeFileAtomic(files.summaryMarkdown, summaryMarkdown(summary));
  const bars = [{ label: 'all', value: summary.accuracy }, ...Object.entries(summary.byCategory).map(([label, g]) => ({ label, value: g.accuracy }))];
  const chart = barChartSvg({
    title: `${task.name}: accuracy (n = ${summary.n})`,
    y: { label: 'accuracy', unit: 'fraction correct', max: 1 },
    smoothing: 'none: one value per category over all its items',
    bars,
  });
  await writeFileAtomic(files.summarySvg, chart);
  const png = await svgToPng(chart);
  if (png) await writeFileAtomic(files.summaryPng, png);
  return summary;
}
