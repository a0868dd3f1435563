/**
 * mmada eval --task gsm8k|math500|mmlu|shapesworld-reasoning|shapesworld-understanding|shapesworld-t2i
 *   --model DIR [--data FILE] [--limit N] [--out DIR] [--resume | --overwrite] [sampling options]
 *   [--sweep-steps 8,16,32] [--device cpu|webgpu] [--seed K] [--json]
 *
 * Runs @mmada/eval's harness over a loaded model: predictions JSONL and summary JSON / markdown / SVG in
 * --out, progress on stderr, the summary table (or JSON) on stdout.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import {
  evaluate, formatDatasetError, generateShapesWorld, gsm8kLayout, gsm8kTask, likelihoodChoiceTask, loadDataset, math500Layout, progressPrinter,
  math500Task, mmluLayout, multipleChoiceTask, runFiles, shapesWorldReasoningTask, shapesWorldT2ITask, shapesWorldUnderstandingTask,
  summaryMarkdown, sweepSteps, SHAPESWORLD_TEST_SIZE, type DatasetLayout, type EvalSummary, type EvalTask, type Progress, type SweepPoint,
} from '@mmada/eval';
import {
  CONFIG_BOUNDS, disposeImageTokenizer, disposeModel, loadImageTokenizer, type LoadedImageTokenizer, type LoadedModel,
  type TextTokenizer,
} from '@mmada/mmada';
import type { DeviceName } from '@mmada/tensor';
import { progressSink, type CliIO } from '../cli-io.js';
import type { Command } from '../command.js';
import { choiceFlag, integerFlag, numberFlag } from '../flag-values.js';
import { loadModelWithProgress, loadTokenizerIfPresent } from '../load-for-command.js';
import {
  modelChoiceScorer, textModelAdapter, textToImageAdapter, understandingModelAdapter, type TextAdapterOptions,
} from '../model-adapter.js';
import { lockOutputDir } from '../output-lock.js';
import { checkOutputDir } from '../output-paths.js';
import { startCommand } from '../command-start.js';
import { UsageError } from '../usage-error.js';
import { checkImageSetup } from '../image-setup.js';
import { unwrap } from '../unwrap.js';
import { checkGeneration, configOf } from '../work-checks.js';
import { KV_CACHE_MODES } from '../text-sampling-flags.js';

export const EVAL_TASKS = ['gsm8k', 'math500', 'mmlu', 'shapesworld-reasoning', 'shapesworld-understanding', 'shapesworld-t2i'] as const;
export type EvalTaskName = (typeof EVAL_TASKS)[number];

const USAGE = `mmada eval --task TASK --model DIR [--data FILE] [--limit N] [--out DIR] [options]

Evaluates a checkpoint with @mmada/eval's harness: one prediction per line in DIR/predictions.jsonl (written as
each item is scored, so an interrupted run can --resume), then summary.json, summary.md and the chart (summary.svg, summary.png).
Progress (done, rate, ETA) goes to stderr, the summary table to stdout.

Tasks:
  gsm8k                      generation, scored by the GSM8K answer chain (#### N, \\boxed{}, <answer>, last number); --data
  math500                    generation, last \\boxed{} by MATH equivalence, per subject; --data
  mmlu                       multiple choice (question/choices/answer), by Monte-Carlo likelihood (default) or
                             by generating the letter (--choice-by generation); --data
  shapesworld-reasoning      ShapesWorld word problems (<think>… </think> answer), generated test split
  shapesworld-understanding  ShapesWorld questions about images (needs --vq), generated test split
  shapesworld-t2i            ShapesWorld text-to-image, checked by the pixel verifier (needs --vq), generated test split

  --task TASK            one of the tasks above
  --model DIR            checkpoint directory (config.json, safetensors, tokenizer.json)
  --data FILE            dataset (.jsonl or .parquet, standard layouts) for gsm8k, math500 and mmlu
  --limit N              evaluate the first N items (ShapesWorld: the first N of the ${SHAPESWORLD_TEST_SIZE}-item test split; default 100)
  --out DIR              output folder (default runs/eval-TASK)
  --resume               continue a run in --out, skipping the ids already in its predictions.jsonl
  --overwrite            start over, deleting the predictions already in --out
  --sweep-steps S1,S2    run at each step count (in --out/steps-S), plus sweep.json / sweep.md / sweep.svg / sweep.png
  --steps S              denoising steps (default: gen-length for text, 15 for t2i)
  --gen-length N         tokens per answer (default 256)
  --block-length B       semi-autoregressive block length (default 32, or gen-length if smaller)
  --temperature T        sampling temperature; 0 = greedy for text (default 0; t2i: 1)
  --threshold C          text: confidence-threshold decoding (commit every token ≥ C per step; steps unused)
  --kv-cache M           text: none (default, exact) | prefix | dual, Fast-dLLM's approximate key/value cache
  --raw                  complete prompts as given instead of wrapping them in the chat template
  --thinking             MMaDA's thinking-mode instruction in the chat template
  --choice-by M          mmlu: likelihood (default) | generation
  --mc-num N             Monte-Carlo samples per choice for likelihood scoring (default 8)
  --vq DIR               image tokenizer (MAGVIT-v2 layout: pytorch_model.safetensors [+ config.json]) for image tasks
  --size PX              ShapesWorld canvas, 32 or 64 (default 32)
  --resolution PX        image side the tokenizer sees and t2i draws (default: --size)
  --guidance W           t2i classifier-free guidance scale (default 3.5)
  --max-seq-length N     t2i prompt layout's text length (default 512)
  --seed K               PRNG seed (default 0); each item's key is the seed folded with its prompt
  --device D             cpu | webgpu (default: MMADA_DEVICE, else webgpu if present, else cpu)
  --json                 print the summary (or the sweep) as JSON
`;

const FLAGS = {
  task: { type: 'string' },
  model: { type: 'string' },
  data: { type: 'string' },
  limit: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  'sweep-steps': { type: 'string' },
  steps: { type: 'string' },
  'gen-length': { type: 'string' },
  'block-length': { type: 'string' },
  temperature: { type: 'string' },
  threshold: { type: 'string' },
  'kv-cache': { type: 'string' },
  raw: { type: 'boolean' },
  thinking: { type: 'boolean' },
  'choice-by': { type: 'string' },
  'mc-num': { type: 'string' },
  vq: { type: 'string' },
  size: { type: 'string' },
  resolution: { type: 'string' },
  guidance: { type: 'string' },
  'max-seq-length': { type: 'string' },
  seed: { type: 'string' },
} as const;

/** "8,16,32" → [8, 16, 32] (positive integers, no repeats). */
function stepsListFlag(text: string): E.Either<UsageError, number[]> {
  const parts = text.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  const bad = parts.findIndex((p, i) => !/^\d+$/.test(p) || values[i]! < 1);
  if (text.trim() === '' || bad >= 0) return E.left(new UsageError(`--sweep-steps expects comma-separated positive integers like 8,16,32${bad >= 0 ? `; entry ${bad + 1} is ${JSON.stringify(parts[bad])}` : ''}`));
  if (new Set(values).size !== values.length) return E.left(new UsageError(`--sweep-steps lists a step count twice: ${text}`));
  return E.right(values);
}

const isTextTask = (t: EvalTaskName) => t === 'gsm8k' || t === 'math500' || t === 'mmlu' || t === 'shapesworld-reasoning';
const needsData = (t: EvalTaskName) => t === 'gsm8k' || t === 'math500' || t === 'mmlu';
const needsVq = (t: EvalTaskName) => t === 'shapesworld-understanding' || t === 'shapesworld-t2i';

/** Progress on the CLI's stderr through the one printer (a bar on a terminal, plain lines otherwise). */
function progressLine(io: CliIO, label: string): (p: Progress) => void {
  const printer = progressPrinter(progressSink(io), label, { unit: 'items' });
  return (p) => {
    printer.report(p);
    if (p.total !== undefined && p.done >= p.total) printer.finish();
  };
}

interface Dataset {
  readonly items: readonly unknown[];
}

/** The task's items: from --data for the public benchmarks, generated for ShapesWorld. */
async function loadItems(task: EvalTaskName, data: string | undefined, limit: number, size: 32 | 64): Promise<Dataset> {
  const read = async <T>(layout: DatasetLayout<T>): Promise<Dataset> => {
    const r = await loadDataset(data!, layout);
    if (E.isLeft(r)) throw new Error(formatDatasetError(r.left));
    return { items: r.right.slice(0, limit) };
  };
  switch (task) {
    case 'gsm8k':
      return read(gsm8kLayout);
    case 'math500':
      return read(math500Layout);
    case 'mmlu':
      return read(mmluLayout);
    case 'shapesworld-reasoning':
      return { items: generateShapesWorld('reasoning', { split: 'test', count: limit }) };
    case 'shapesworld-understanding':
      return { items: generateShapesWorld('understanding', { split: 'test', count: limit, size }) };
    case 'shapesworld-t2i':
      return { items: generateShapesWorld('t2i', { split: 'test', count: limit, size }) };
  }
}

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const start = startCommand(argv, io, USAGE, FLAGS, { task: ['', `one of ${EVAL_TASKS.join(', ')}`], model: 'DIR' });
  if (!start) return 0;
  const f = start.flags;
  // Everything about the command line is checked before any file is read.
  const task = unwrap(choiceFlag('task', f.task, EVAL_TASKS, 'gsm8k'));
  const dir = f.model;
  const data = f.data;
  if (needsData(task) && data === undefined) throw new UsageError(`--task ${task} needs --data FILE (.jsonl or .parquet in the standard ${task} layout)`);
  if (!needsData(task) && data !== undefined) throw new UsageError(`--task ${task} generates its items; --data is for gsm8k, math500 and mmlu`);
  if (data !== undefined && !existsSync(data)) throw new UsageError(`--data ${data}: no such file`);
  const vqDir = f.vq;
  if (needsVq(task) && vqDir === undefined) {
    throw new UsageError(
      `--task ${task} works on image tokens and needs the image tokenizer: pass --vq DIR, a MAGVIT-v2 tokenizer directory ` +
        `(pytorch_model.safetensors, optional config.json), e.g. showlab/magvitv2 for the released MMaDA checkpoints`,
    );
  }
  const shapesWorld = task.startsWith('shapesworld-');
  const limitDefault = shapesWorld ? Math.min(100, SHAPESWORLD_TEST_SIZE) : Number.MAX_SAFE_INTEGER;
  const limit = unwrap(integerFlag('limit', f.limit, limitDefault, 1));
  if (shapesWorld && limit > SHAPESWORLD_TEST_SIZE) throw new UsageError(`--limit ${limit}: the ShapesWorld test split has ${SHAPESWORLD_TEST_SIZE} items`);
  const size = unwrap(choiceFlag('size', f.size, ['32', '64'] as const, '32')) === '64' ? 64 : 32;
  const resolution = unwrap(integerFlag('resolution', f.resolution, size, 1));
  const t2i = task === 'shapesworld-t2i';
  const genLength = unwrap(integerFlag('gen-length', f['gen-length'], 256, 1, CONFIG_BOUNDS.max_sequence_length));
  const blockLength = unwrap(integerFlag('block-length', f['block-length'], Math.min(32, genLength), 1));
  const steps = unwrap(integerFlag('steps', f.steps, t2i ? 15 : genLength, 1));
  const temperature = unwrap(numberFlag('temperature', f.temperature, t2i ? 1 : 0));
  const threshold = f.threshold === undefined ? undefined : unwrap(numberFlag('threshold', f.threshold, 0));
  if (threshold !== undefined && !(threshold > 0 && threshold <= 1)) throw new UsageError(`--threshold expects a confidence in (0, 1], got ${JSON.stringify(f.threshold)}`);
  const kvCache = unwrap(choiceFlag('kv-cache', f['kv-cache'], KV_CACHE_MODES, 'none'));
  const guidanceScale = unwrap(numberFlag('guidance', f.guidance, 3.5));
  const maxSeqLength = unwrap(integerFlag('max-seq-length', f['max-seq-length'], 512, 1));
  const mcNum = unwrap(integerFlag('mc-num', f['mc-num'], 8, 1));
  const choiceBy = unwrap(choiceFlag('choice-by', f['choice-by'], ['likelihood', 'generation'] as const, 'likelihood'));
  const seed = unwrap(integerFlag('seed', f.seed, 0));
  const sweep = f['sweep-steps'] !== undefined ? unwrap(stepsListFlag(f['sweep-steps']!)) : undefined;
  if (sweep && f.steps !== undefined) throw new UsageError('give --steps or --sweep-steps, not both');
  if (f.resume && f.overwrite) throw new UsageError('give --resume or --overwrite, not both');
  if (f['choice-by'] !== undefined && task !== 'mmlu') throw new UsageError('--choice-by is for --task mmlu');
  const likelihood = task === 'mmlu' && choiceBy === 'likelihood';
  if (likelihood && sweep) throw new UsageError('--sweep-steps varies sampling steps; likelihood-scored mmlu does not sample (use --choice-by generation)');
  const generatesText = isTextTask(task) || task === 'shapesworld-understanding';
  if ((threshold !== undefined || kvCache !== 'none') && !(generatesText && !likelihood)) {
    throw new UsageError('--threshold and --kv-cache are options of the text sampler: for tasks that generate text');
  }
  if (generatesText && !likelihood) {
    if (genLength % blockLength !== 0) throw new UsageError(`--gen-length ${genLength} must be a multiple of --block-length ${blockLength}`);
    const blocks = genLength / blockLength;
    for (const s of sweep ?? [steps]) {
      if (s % blocks !== 0) throw new UsageError(`${sweep ? '--sweep-steps entry' : '--steps'} ${s} must be a multiple of the number of blocks (${blocks} = gen-length / block-length)`);
    }
  }
  const outDir = f.out ?? join('runs', `eval-${task}`);
  checkOutputDir(outDir, { flag: '--out' });
  const previous = (sweep ?? [undefined]).map((s) => runFiles(s === undefined ? outDir : join(outDir, `steps-${s}`)).predictions).filter((p) => existsSync(p));
  if (previous.length > 0 && !f.resume && !f.overwrite) {
    throw new UsageError(`${previous[0]} exists from an earlier run: pass --resume to continue it, --overwrite to start over, or another --out`);
  }

  using _lock = lockOutputDir(outDir, 'mmada eval', (m) => io.stderr(`note: ${m}\n`));
  const dataset = await loadItems(task, data, limit, size);
  const tokenizer = unwrap(await loadTokenizerIfPresent(dir));
  if (!tokenizer && existsSync(join(dir, 'config.json'))) throw new Error(`${dir}/tokenizer.json is missing: eval needs the model's text tokenizer`);
  const device = await start.device();
  // The answer length alone must fit the model's positions and memory; prompts vary per item and add to it.
  if (generatesText && !likelihood && existsSync(join(dir, 'config.json'))) checkGeneration(await configOf(dir), device, { promptTokens: 0, genLength });
  let vq: LoadedImageTokenizer | undefined;
  let model: LoadedModel | undefined;
  try {
    model = unwrap(await loadModelWithProgress(dir, device, io));
    if (!tokenizer) throw new Error(`${dir}/tokenizer.json is missing: eval needs the model's text tokenizer`);
    if (vqDir !== undefined && needsVq(task)) {
      vq = unwrap(await loadImageTokenizer(vqDir, { device })());
      checkImageSetup(vq, model, resolution, vqDir);
    }
    const text: TextAdapterOptions = { genLength, steps, blockLength, temperature, threshold, kvCache, seed, chat: !f.raw, thinking: !!f.thinking };
    const modelFor = harnessModel(task, model, tokenizer, device, { text, vq, resolution, guidanceScale, maxSeqLength, mcNum, likelihood });
    const evalTask = harnessTask(task, likelihood);
    const common = { resume: !!f.resume, onProgress: progressLine(io, task) };
    io.stderr(`eval ${evalTask.name}: ${dataset.items.length} items → ${outDir}\n`);
    if (sweep) {
      const points = await sweepSteps(sweep, evalTask, modelFor, dataset.items, { ...common, outDir });
      printSweep(io, points, outDir, !!f.json, await readFile(join(outDir, 'sweep.md'), 'utf8'));
    } else {
      const summary = await evaluate(evalTask, modelFor, dataset.items, { ...common, outDir, ...(!likelihood && { steps }) });
      printSummary(io, summary, outDir, !!f.json);
    }
    return 0;
  } finally {
    if (vq) disposeImageTokenizer(vq);
    if (model) disposeModel(model);
  }
}

interface ModelSetup {
  readonly text: TextAdapterOptions;
  readonly vq: LoadedImageTokenizer | undefined;
  readonly resolution: number;
  readonly guidanceScale: number;
  readonly maxSeqLength: number;
  readonly mcNum: number;
  readonly likelihood: boolean;
}

/** The model in the shape the task's harness interface wants. */
function harnessModel(task: EvalTaskName, model: LoadedModel, tokenizer: TextTokenizer, device: DeviceName, s: ModelSetup): unknown {
  if (s.likelihood) return modelChoiceScorer(model, tokenizer, { mcNum: s.mcNum, seed: s.text.seed, device });
  if (task === 'shapesworld-understanding') return understandingModelAdapter(model, tokenizer, { ...s.text, vq: s.vq!, resolution: s.resolution, device });
  if (task === 'shapesworld-t2i') {
    return textToImageAdapter(model, tokenizer, {
      vq: s.vq!, resolution: s.resolution, steps: s.text.steps, guidanceScale: s.guidanceScale, temperature: s.text.temperature, maxSeqLength: s.maxSeqLength, seed: s.text.seed,
    });
  }
  return textModelAdapter(model, tokenizer, s.text);
}

function harnessTask(task: EvalTaskName, likelihood: boolean): EvalTask<unknown, unknown> {
  const t = (() => {
    switch (task) {
      case 'gsm8k':
        return gsm8kTask();
      case 'math500':
        return math500Task();
      case 'mmlu':
        return likelihood ? likelihoodChoiceTask({ name: 'mmlu' }) : multipleChoiceTask({ name: 'mmlu' });
      case 'shapesworld-reasoning':
        return shapesWorldReasoningTask();
      case 'shapesworld-understanding':
        return shapesWorldUnderstandingTask();
      case 'shapesworld-t2i':
        return shapesWorldT2ITask();
    }
  })();
  return t as unknown as EvalTask<unknown, unknown>;
}

function printSummary(io: CliIO, summary: EvalSummary, outDir: string, json: boolean): void {
  const files = runFiles(outDir);
  io.stderr(`wrote ${files.predictions}, ${files.summaryJson}, ${files.summaryMarkdown}, ${files.summarySvg}\n`);
  io.stdout(json ? `${JSON.stringify({ ...summary, files })}\n` : summaryMarkdown(summary));
}

function printSweep(io: CliIO, points: readonly SweepPoint[], outDir: string, json: boolean, table: string): void {
  const files = { sweepJson: join(outDir, 'sweep.json'), sweepMarkdown: join(outDir, 'sweep.md'), sweepSvg: join(outDir, 'sweep.svg') };
  io.stderr(`wrote ${outDir}/steps-*/ and ${files.sweepJson}, ${files.sweepMarkdown}, ${files.sweepSvg}\n`);
  io.stdout(json ? `${JSON.stringify({ points, files })}\n` : table);
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate a checkpoint on GSM8K, MATH-500, MMLU or ShapesWorld (predictions, summary, chart)',
  usage: USAGE,
  run,
};
