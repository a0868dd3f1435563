/**
 * mmada train --config mmada-tiny|mmada-small|DIR --data shapesworld-reasoning|FILE.jsonl --steps N --batch B
 *   [--lr 3e-3] [--out DIR] [--resume | --overwrite] [--device cpu|webgpu] [--seed K] [--json]
 *
 * SFT with prompt preservation (@mmada/mmada's trainSft): progress on stderr, a summary on stdout, and in
 * --out a model directory that `mmada generate` / `mmada eval` load (config.json, model.safetensors,
 * tokenizer files), the resumable checkpoint, the loss log (JSON lines) and the loss curve (SVG).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import {
  checkForwardWork, checkItemCount, createModel, disposeModel, formatBytes, MAX_TRAINING_STEPS, memoryBudget, hasTrainingCheckpoint, LOSS_CURVE_FILE, LOSS_LOG_FILE, loadTextTokenizer, MODEL_NAMES, parameterCount, readModelConfig, readTrainingCheckpointInfo, sftBatchSource,
  TOKENIZER_CONFIG_FILE_NAME, TOKENIZER_FILE_NAME, TRAINING_CHECKPOINT_DIR, trainSft, zooConfig, type MaskPredictorModel, type ModelConfig,
  type TextTokenizer, type TrainStepInfo,
} from '@mmada/mmada';
import { INDEX_FILE_NAME, key, SINGLE_FILE_NAME } from '@mmada/tensor';
import type { CliIO } from '../cli-io.js';
import type { Command } from '../command.js';
import { choiceFlag, integerFlag, numberFlag } from '../flag-values.js';
import { loadModelWithProgress } from '../load-for-command.js';
import { lockOutputDir } from '../output-lock.js';
import { checkModelOutput, checkOutputDir } from '../output-paths.js';
import { refuseOversize } from '../work-checks.js';
import { startCommand } from '../command-start.js';
import { UsageError } from '../usage-error.js';
import { unwrap } from '../unwrap.js';
import { RECIPE_USAGE, runTrainRecipe } from './train-recipe.js';
import { readPairsJsonl, SHAPESWORLD_REASONING, shapesWorldReasoningPairs, tokenizePairs, type TextPair } from './train-data.js';

const USAGE = `mmada train --config NAME|DIR --data shapesworld-reasoning|FILE.jsonl [options]
       mmada train --recipe mmada-tiny [options]     (the whole recipe; mmada train --recipe mmada-tiny --help)

Supervised fine-tuning with prompt preservation (LLaDA / MMaDA SFT): per row t ~ U(0,1), answer tokens
(EOS padding included) masked with p = (1-1e-3)t + 1e-3, loss sum CE/p over masked tokens / answer length,
AdamW (0.9/0.999, wd 0.01, upstream no-decay names), grad-norm clip 1, linear warmup + cosine to 0.1·lr.
Progress goes to stderr, a summary to stdout. --out receives the model (config.json, model.safetensors,
tokenizer files: load it with mmada generate / mmada eval), checkpoint/ (resume with --resume),
${LOSS_LOG_FILE} (one JSON line per step) and ${LOSS_CURVE_FILE}.

  --config NAME|DIR      a zoo config to train from random weights (${MODEL_NAMES.filter((n) => n.startsWith('mmada-')).join(', ')}; the
                         small ones use the tiny tokenizer) or a model directory to fine-tune
                         (optional with --resume: the run's own config.json)
  --data D               shapesworld-reasoning (generated train split: question -> <think>...</think> answer)
                         or a JSONL file with prompt/answer (or question/answer, prompt/completion) fields
  --examples N           ShapesWorld examples to generate (default 2000)
  --steps N              optimizer steps (default 200)
  --batch B              rows per step (default 8)
  --lr LR                peak learning rate (default 3e-3)
  --warmup W             linear warmup steps (default 10% of --steps)
  --min-lr-scale M       cosine floor as a fraction of --lr (default 0.1)
  --weight-decay WD      AdamW weight decay (default 0.01)
  --clip C               global gradient-norm clip (default 1; 0 = off)
  --max-length L         drop examples longer than L tokens (default: the config's max sequence length)
  --format F             chat (default: chat template around the prompt, <|eot_id|> after the answer) | raw
  --thinking             with chat: MMaDA's thinking-mode instruction before each prompt
  --tokenizer DIR        tokenizer.json to use (default: the model directory's; required with a zoo config)
  --init-std S           std of the random initial weights for a zoo config (default 0.02)
  --checkpoint-every N   checkpoint every N steps (default: steps/10) and at the end
  --out DIR              run directory (default runs/train)
  --resume               continue the run in --out from its checkpoint
  --overwrite            start over in an --out that holds a run
  --seed K               seed of the initial weights, data order and masks (default 0)
  --device D             cpu | webgpu (default: MMADA_DEVICE, else webgpu if present, else cpu)
  --json                 print the summary as JSON
`;

const FLAGS = {
  config: { type: 'string' },
  data: { type: 'string' },
  examples: { type: 'string' },
  steps: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  warmup: { type: 'string' },
  'min-lr-scale': { type: 'string' },
  'weight-decay': { type: 'string' },
  clip: { type: 'string' },
  'max-length': { type: 'string' },
  format: { type: 'string' },
  thinking: { type: 'boolean' },
  tokenizer: { type: 'string' },
  'init-std': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  seed: { type: 'string' },
} as const;

/** Heap of one generated ShapesWorld reasoning example with its tokens: about 1.2 KB measured (20 000, chat format), rounded up. */
const BYTES_PER_EXAMPLE = 2048;

const fmtSeconds = (s: number): string => (s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`);
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** The run directory's checkpoint extras (to warn when a resumed run's data differ); a broken checkpoint is an error. */
async function checkpointExtra(out: string): Promise<Record<string, unknown> | undefined> {
  return unwrap(await readTrainingCheckpointInfo(join(out, TRAINING_CHECKPOINT_DIR))())?.extra;
}

/** Progress on stderr: a redrawn line on a terminal, otherwise a line every 5 s and at the end. */
function trainProgress(io: CliIO) {
  let last = 0;
  const recent: number[] = [];
  return (i: TrainStepInfo) => {
    recent.push(i.loss);
    if (recent.length > 20) recent.shift();
    const line = `step ${i.step}/${i.steps} · loss ${i.loss.toFixed(3)} (avg20 ${mean(recent).toFixed(3)}) · lr ${i.lr.toExponential(2)} · ${Math.round(i.tokensPerSecond)} tok/s · ${i.secondsPerStep.toFixed(2)} s/step · ${i.step < i.steps ? `ETA ${fmtSeconds(i.etaSeconds)}` : `done in ${fmtSeconds(i.elapsedSeconds)}`}`;
    const now = performance.now();
    if (io.interactive) io.stderr(`\r${line}\x1b[K${i.step === i.steps ? '\n' : ''}`);
    else if (i.step === i.steps || now - last > 5000 || last === 0) {
      io.stderr(`${line}\n`);
      last = now;
    }
  };
}

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  if (argv.some((a) => a === '--recipe' || a.startsWith('--recipe='))) {
    if (argv.includes('--help')) {
      io.stdout(RECIPE_USAGE);
      return 0;
    }
    return runTrainRecipe(argv, io);
  }
  const start = startCommand(argv, io, USAGE, FLAGS, { data: 'shapesworld-reasoning|FILE.jsonl' });
  if (!start) return 0;
  const f = start.flags;
  const out = f.out ?? 'runs/train';
  const data = f.data;
  const steps = unwrap(integerFlag('steps', f.steps, 200, 1, MAX_TRAINING_STEPS));
  const batchSize = unwrap(integerFlag('batch', f.batch, 8, 1));
  const examplesWanted = unwrap(integerFlag('examples', f.examples, 2000, 1));
  const learningRate = unwrap(numberFlag('lr', f.lr, 3e-3));
  const warmupSteps = unwrap(integerFlag('warmup', f.warmup, Math.min(5000, Math.ceil(steps * 0.1))));
  const minLrScale = unwrap(numberFlag('min-lr-scale', f['min-lr-scale'], 0.1));
  const weightDecay = unwrap(numberFlag('weight-decay', f['weight-decay'], 0.01));
  const clipNorm = unwrap(numberFlag('clip', f.clip, 1));
  const initStd = unwrap(numberFlag('init-std', f['init-std'], 0.02));
  const checkpointEvery = unwrap(integerFlag('checkpoint-every', f['checkpoint-every'], Math.max(1, Math.ceil(steps / 10)), 1));
  const format = unwrap(choiceFlag('format', f.format, ['chat', 'raw'] as const, 'chat'));
  const seed = unwrap(integerFlag('seed', f.seed, 0));
  const resume = !!f.resume;
  if (resume && f.overwrite) throw new UsageError('give at most one of --resume and --overwrite');
  const hasRun = existsSync(join(out, TRAINING_CHECKPOINT_DIR));
  checkOutputDir(out, { flag: '--out' });
  if (hasRun && !resume && !f.overwrite) throw new UsageError(`${out} already holds a training run: pass --resume to continue it or --overwrite to start over`);
  if (!resume) checkModelOutput(out, { flag: '--out', overwrite: !!f.overwrite, files: [SINGLE_FILE_NAME, INDEX_FILE_NAME] });
  if (resume && !(await hasTrainingCheckpoint(join(out, TRAINING_CHECKPOINT_DIR)))) {
    throw new UsageError(`--resume: ${join(out, TRAINING_CHECKPOINT_DIR)} holds no training checkpoint to continue from (drop --resume to start a new run)`);
  }
  if (learningRate <= 0) throw new UsageError('--lr must be > 0');
  if (minLrScale > 1) throw new UsageError('--min-lr-scale must be in [0, 1]');

  // The config: a zoo name, a model directory, or (resuming) the run's own config.json.
  let configArg = f.config;
  if (!configArg && resume && existsSync(join(out, 'config.json'))) configArg = out;
  if (!configArg) throw new UsageError('--config NAME|DIR is required (a zoo config such as mmada-tiny, or a model directory)');
  const zoo = zooConfig(configArg);
  const fromDir = !zoo;
  if (fromDir && !existsSync(join(configArg, 'config.json'))) {
    throw new UsageError(`--config ${JSON.stringify(configArg)} is neither a zoo config (${MODEL_NAMES.join(', ')}) nor a directory with config.json`);
  }
  let config: ModelConfig;
  if (zoo) config = zoo;
  else {
    const c = await readModelConfig(configArg)();
    if (E.isLeft(c)) throw c.left;
    config = c.right;
  }

  // The tokenizer: --tokenizer, else the model directory's. A zoo config has none of its own.
  let tokenizerDir = f.tokenizer;
  if (!tokenizerDir && fromDir && existsSync(join(configArg, TOKENIZER_FILE_NAME))) tokenizerDir = configArg;
  if (!tokenizerDir) {
    throw new UsageError(
      `no tokenizer for --config ${configArg}: pass --tokenizer DIR (a directory with tokenizer.json whose ids fit the config's ${config.embeddingSize}-row embedding), ` +
        'or train the whole recipe with its own tokenizer: mmada train --recipe mmada-tiny',
    );
  }
  const tok0 = await loadTextTokenizer(tokenizerDir)();
  if (E.isRight(tok0) && tok0.right.size > config.embeddingSize) {
    throw new UsageError(`--tokenizer ${tokenizerDir} has ${tok0.right.size} tokens, more than the ${config.embeddingSize} embedding rows of --config ${configArg}`);
  }
  const tok = await loadTextTokenizer(tokenizerDir)();
  if (E.isLeft(tok)) throw tok.left;
  const tokenizer: TextTokenizer = tok.right;

  // The data.
  let pairs: TextPair[];
  if (data === SHAPESWORLD_REASONING) {
    refuseOversize(checkItemCount(examplesWanted, BYTES_PER_EXAMPLE, memoryBudget('cpu'), `--examples ${examplesWanted}`));
    pairs = shapesWorldReasoningPairs(examplesWanted);
  }
  else if (data.endsWith('.jsonl')) pairs = unwrap(await readPairsJsonl(data));
  else throw new UsageError(`--data expects ${SHAPESWORLD_REASONING} or a .jsonl file, got ${JSON.stringify(data)}`);
  const maxLength = unwrap(integerFlag('max-length', f['max-length'], config.maxSequenceLength, 2, config.maxSequenceLength));
  const all = tokenizePairs(pairs, tokenizer, { format, thinking: !!f.thinking });
  const examples = all.filter((e) => e.prompt.length + e.answer.length <= maxLength);
  if (examples.length === 0) throw new UsageError(`every example is longer than --max-length ${maxLength} tokens`);
  if (examples.length < all.length) io.stderr(`note: ${all.length - examples.length} of ${all.length} examples are longer than ${maxLength} tokens; left out\n`);
  const badId = examples.flatMap((e) => [...e.prompt, ...e.answer]).find((id) => id >= config.embeddingSize);
  if (badId !== undefined) throw new UsageError(`the tokenizer in ${tokenizerDir} gives id ${badId}, outside the model's vocabulary (${config.embeddingSize})`);
  const dataDescription = { data, format, thinking: !!f.thinking, examples: examples.length, batch: batchSize, maxLength };

  if (hasRun && resume) {
    const before = (await checkpointExtra(out))?.data as Record<string, unknown> | undefined;
    if (before && JSON.stringify(before) !== JSON.stringify(dataDescription)) {
      io.stderr(`warning: the run in ${out} was trained on ${JSON.stringify(before)}, now ${JSON.stringify(dataDescription)}: the continuation will differ from an uninterrupted run\n`);
    }
  }
  using _lock = lockOutputDir(out, 'mmada train', (m) => io.stderr(`note: ${m}\n`));
  if (f.overwrite) for (const name of [TRAINING_CHECKPOINT_DIR, LOSS_LOG_FILE, LOSS_CURVE_FILE]) rmSync(join(out, name), { recursive: true, force: true });

  const device = await start.device();
  refuseOversize(checkForwardWork(config, { batch: batchSize, length: maxLength, training: true }, memoryBudget(device), `--batch ${batchSize} × --max-length ${maxLength}`));
  let model: MaskPredictorModel;
  if (fromDir && !(resume && hasRun)) model = unwrap(await loadModelWithProgress(configArg, device, io, 'f32'));
  else model = createModel(config, key(seed), { device, std: initStd }); // replaced by the checkpoint's weights on resume
  // The run directory is a model directory from the first checkpoint on: the tokenizer goes in first.
  try {
    mkdirSync(out, { recursive: true });
    if (resolve(tokenizerDir) !== resolve(out)) {
      for (const name of [TOKENIZER_FILE_NAME, TOKENIZER_CONFIG_FILE_NAME]) if (existsSync(join(tokenizerDir, name))) copyFileSync(join(tokenizerDir, name), join(out, name));
    }
  } catch (e) {
    disposeModel(model);
    throw new Error(`cannot write to ${out}: ${(e as Error).message}`);
  }

  const nParams = parameterCount(config);
  io.stderr(
    `training ${zoo ? configArg : config.modelType} (${(nParams / 1e6).toFixed(2)} M parameters, ${formatBytes(nParams * 4)}) on ${device}: ` +
      `${examples.length} examples, batch ${batchSize}, ${steps} steps, lr ${learningRate} (warmup ${warmupSteps}), out ${out}\n`,
  );
  const controller = new AbortController();
  const onSignal = () => {
    io.stderr('\ninterrupted: saving a checkpoint (resume with --resume)\n');
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  const result = await trainSft(model, sftBatchSource(examples, { batchSize, seed, eosId: tokenizer.specialTokens.eos }), {
    steps, learningRate, warmupSteps, minLrScale, weightDecay, clipNorm, seed, out, checkpointEvery, resume,
    onStep: trainProgress(io),
    signal: controller.signal,
    extra: { data: dataDescription },
  })().finally(() => process.off('SIGINT', onSignal));
  if (E.isLeft(result)) throw result.left;
  const r = result.right;
  disposeModel(r.model);

  const losses = r.history.map((h) => h.loss);
  const k = Math.max(1, Math.min(10, Math.floor(losses.length / 5)));
  const ran = r.step - r.startStep;
  const tokens = r.history.slice(r.startStep).reduce((a, h) => a + h.tokens, 0);
  const summary = {
    config: configArg,
    device,
    parameters: nParams,
    data,
    examples: examples.length,
    batch: batchSize,
    learningRate,
    steps: r.step,
    startStep: r.startStep,
    stopped: r.stopped,
    seconds: Number(r.seconds.toFixed(2)),
    secondsPerStep: ran > 0 ? Number((r.seconds / ran).toFixed(4)) : null,
    tokensPerSecond: ran > 0 ? Math.round(tokens / r.seconds) : null,
    firstLoss: losses[0] ?? null,
    finalLoss: losses[losses.length - 1] ?? null,
    meanLossFirst: losses.length ? Number(mean(losses.slice(0, k)).toFixed(4)) : null,
    meanLossLast: losses.length ? Number(mean(losses.slice(-k)).toFixed(4)) : null,
    averagedOver: k,
    out,
    files: r.files ?? null,
  };
  if (f.json) io.stdout(`${JSON.stringify(summary)}\n`);
  else {
    io.stdout(
      [
        `${r.stopped ? 'stopped' : 'trained'} ${configArg} for ${ran} steps${r.startStep ? ` (from step ${r.startStep})` : ''} on ${device} in ${fmtSeconds(r.seconds)}` +
          (ran > 0 ? ` · ${(r.seconds / ran).toFixed(2)} s/step · ${summary.tokensPerSecond} tok/s` : ''),
        `loss ${summary.meanLossFirst?.toFixed(3)} → ${summary.meanLossLast?.toFixed(3)} (mean of the first / last ${k} steps of ${losses.length})`,
        `model       ${out}   (mmada generate --model ${out}${format === 'chat' ? ' --chat' : ''} --prompt "…")`,
        `checkpoint  ${join(out, TRAINING_CHECKPOINT_DIR)}   (mmada train … --out ${out} --resume)`,
        `loss log    ${join(out, LOSS_LOG_FILE)}`,
        `loss curve  ${join(out, LOSS_CURVE_FILE)}`,
      ].join('\n') + '\n',
    );
  }
  return r.stopped ? 130 : 0;
}

export const trainCommand: Command = { name: 'train', summary: 'train or fine-tune a model with masked-diffusion SFT (loss log, curve, resumable checkpoints)', usage: USAGE, run };
