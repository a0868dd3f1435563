/**
 * mmada ablate --model DIR --variants unigrpo,d1,coupled,llada-mc,unigrpo:random --seeds 3 --steps N --out DIR
 *   [--task …] [config flags] [--eval-limit N] [--eval-lengths A,B] [--resume] [--diagnose]
 *
 * @mmada/rl's ablation runner over a MMaDA checkpoint: every variant (one likelihood estimator swapped into
 * the preset) × seed from the same start, with the same prompts and masks; summary.json, summary.md and the
 * reward charts (SVG, PNG) in --out. With --diagnose: each estimator's spread over mask draws for one fixed
 * prompt and completion, against a high-budget Monte-Carlo ELBO.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { asMaskPredictor, checkItemCount, generateIds, MAX_TRAINING_STEPS, memoryBudget } from '@mmada/mmada';
import { diagnoseEstimators, diagnosticsMarkdown, parseVariant, runAblation, ABLATION_RUNS_DIR, ABLATION_SUMMARY_JSON, type TextRlPrompt } from '@mmada/rl';
import { foldIn, getBackend, key, type DeviceName } from '@mmada/tensor';
import type { CliIO } from '../cli-io.js';
import type { Command } from '../command.js';
import { idListFlag, integerFlag } from '../flag-values.js';
import { withTrainingModels } from '../image-setup.js';
import { lockOutputDir } from '../output-lock.js';
import { checkOutputDir } from '../output-paths.js';
import { startCommand } from '../command-start.js';
import { UsageError } from '../usage-error.js';
import { unwrap } from '../unwrap.js';
import { BYTES_PER_PROMPT, refuseOversize } from '../work-checks.js';
import { imageFlags } from './rl.js';
import {
  mmadaPolicy, needsImages, promptSource, RL_CONFIG_FLAGS, RL_CONFIG_USAGE, RL_NO_DECAY, RL_TASKS, rlConfigFromFlags, shapesWorldEvaluator, taskListFlag, taskPrompts,
} from './rl-setup.js';

const DEFAULT_VARIANTS = 'unigrpo,d1,coupled,llada-mc,unigrpo:random';

const USAGE = `mmada ablate --model DIR [--variants V1,V2] [--seeds N] --steps N --out DIR [options]

Compares RL variants from one checkpoint: each variant swaps only the likelihood estimator of the base preset,
and every variant × seed run sees the same prompts, and the same masks wherever the estimators draw alike.
Writes, in --out: runs/VARIANT/seed-S/ (metrics.jsonl, eval.jsonl, checkpoint/), summary.json (per variant:
final reward mean ± 95% CI over seeds, reward variance, forward passes and seconds per step, test accuracy of
the best and last checkpoint at two generation lengths), summary.md, and reward-vs-step / -forward-passes /
-wall-time charts (SVG, and PNG where @resvg/resvg-js runs). Progress on stderr, the summary table on stdout.

  --model DIR            the starting checkpoint (config.json, safetensors, tokenizer.json)
  --variants V1,V2       (default ${DEFAULT_VARIANTS})
                         unigrpo[:stratified|random|paper-formula|igpo], d1[:pMaskPrompt], coupled,
                         random-masking[:copies] (or random), llada-mc[:mcNum] (default mcNum 8)
  --seeds N              seeds 0 … N−1 (default 3); or --seed-list 3,7,11
  --steps N              steps per run (default 20)
  --budget V=SxN[,…]     a smaller grid for costly variants: S seeds (the first S) × N steps, e.g.
                         coupled=1x4,llada-mc:4=1x4 (either part may be left out: coupled=2x, coupled=x6)
  --out DIR              output folder (default runs/ablate)
  --task T1,T2           ${RL_TASKS.join(', ')} (default shapesworld-reasoning)
${RL_CONFIG_USAGE}
  --examples N           train items per task (default 1000)
  --eval-limit N         test items per task for accuracy (default 50; 0 = no evaluation)
  --eval-lengths A,B     generation lengths of the test evaluation (default: completion length and twice it)
  --eval-every N         evaluate every N steps and at the end (default steps/4)
  --smoothing W          trailing-mean window of the curves and the final reward (default steps/10)
  --vq DIR, --size PX, --resolution PX, --max-seq-length N, --thinking   as for mmada rl
  --resume               continue the runs in --out: finished runs (every step in metrics.jsonl, same config)
                         are read back, checkpoints not needed, so a copied ablation can gain variants; each
                         run's device is kept in its run-info.json and the summary lists it per variant
  --diagnose             estimator diagnostics instead of training: --draws D (default 32) mask draws per
                         variant on one prompt and its greedy completion, vs a --reference-mc N (default 256) ELBO
  --device D             cpu | webgpu
  --json                 print the summary (or the diagnostics) as JSON
`;

const FLAGS = {
  ...RL_CONFIG_FLAGS,
  model: { type: 'string' },
  variants: { type: 'string' },
  seeds: { type: 'string' },
  'seed-list': { type: 'string' },
  budget: { type: 'string' },
  steps: { type: 'string' },
  out: { type: 'string' },
  task: { type: 'string' },
  examples: { type: 'string' },
  'eval-limit': { type: 'string' },
  'eval-lengths': { type: 'string' },
  'eval-every': { type: 'string' },
  smoothing: { type: 'string' },
  vq: { type: 'string' },
  size: { type: 'string' },
  resolution: { type: 'string' },
  'max-seq-length': { type: 'string' },
  thinking: { type: 'boolean' },
  resume: { type: 'boolean' },
  diagnose: { type: 'boolean' },
  draws: { type: 'string' },
  'reference-mc': { type: 'string' },
} as const;

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const start = startCommand(argv, io, USAGE, FLAGS, { model: 'DIR' });
  if (!start) return 0;
  const f = start.flags;
  const dir = f.model;
  const variants = (f.variants ?? DEFAULT_VARIANTS).split(',').map((s) => s.trim()).filter(Boolean);
  for (const v of variants) {
    try {
      parseVariant(v);
    } catch (e) {
      throw new UsageError(`--variants: ${(e as Error).message}`);
    }
  }
  if (f.seeds !== undefined && f['seed-list'] !== undefined) throw new UsageError('give --seeds or --seed-list, not both');
  const seeds = f['seed-list'] !== undefined
    ? unwrap(idListFlag('seed-list', f['seed-list']!))
    : Array.from({ length: unwrap(integerFlag('seeds', f.seeds, 3, 1)) }, (_, i) => i);
  const maxSteps = unwrap(integerFlag('steps', f.steps, 20, 1, MAX_TRAINING_STEPS));
  const budgets = budgetFlag(f.budget, variants);
  const out = f.out ?? 'runs/ablate';
  const tasks = taskListFlag(f.task);
  const { preset, config } = rlConfigFromFlags(f);
  const examples = unwrap(integerFlag('examples', f.examples, 1000, 1));
  refuseOversize(checkItemCount(examples, BYTES_PER_PROMPT, memoryBudget('cpu'), `--examples ${examples}`));
  const evalLimit = unwrap(integerFlag('eval-limit', f['eval-limit'], 50, 0));
  const evalLengths = f['eval-lengths'] !== undefined ? unwrap(idListFlag('eval-lengths', f['eval-lengths']!)) : [config.maxCompletionLength, 2 * config.maxCompletionLength];
  if (evalLengths.some((g) => g < 1)) throw new UsageError('--eval-lengths: lengths must be positive');
  const evalEvery = unwrap(integerFlag('eval-every', f['eval-every'], Math.max(1, Math.ceil(maxSteps / 4)), 1));
  const smoothing = unwrap(integerFlag('smoothing', f.smoothing, Math.max(1, Math.round(maxSteps / 10)), 1));
  const image = imageFlags(f);
  const vqDir = f.vq;
  if (needsImages(tasks) && !vqDir) throw new UsageError(`--task ${tasks.join(',')} has image tasks: pass --vq DIR, the image tokenizer`);
  checkOutputDir(out, { flag: '--out' });
  if (!f.diagnose && !f.resume && existsSync(join(out, ABLATION_SUMMARY_JSON))) {
    throw new UsageError(`${out} already holds an ablation: pass --resume to continue it, or another --out`);
  }
  if (f.resume && !f.diagnose && !existsSync(join(out, ABLATION_RUNS_DIR))) {
    throw new UsageError(`--resume: ${out} holds no ablation runs to continue (drop --resume to start one)`);
  }
  using _lock = lockOutputDir(out, 'mmada ablate', (m) => io.stderr(`note: ${m}\n`));

  return withTrainingModels('ablate', { model: dir, vq: vqDir }, needsImages(tasks), image.resolution, () => start.device(), io, async ({ model, tokenizer, vq, device }) => {
    const setup = { tokenizer, vq, ...image, thinking: !!f.thinking };
    const policy = mmadaPolicy(model, tokenizer);

    if (f.diagnose) {
      const families = await taskPrompts(tasks.filter((t) => t !== 'shapesworld-t2i'), 1, setup);
      const prompt = families[0]?.[0] as TextRlPrompt | undefined;
      if (!prompt) throw new UsageError('--diagnose needs a text task (shapesworld-reasoning or shapesworld-understanding)');
      const g = await generateIds(model, [prompt.ids], foldIn(key(config.seed), 0x64), {
        genLength: config.maxCompletionLength, steps: config.steps, blockLength: config.blockLength, temperature: 0,
      });
      const gen = g.generated[0]!;
      const stop = gen.findIndex((t) => t === model.config.eosTokenId || t === tokenizer.specialTokens.eotId);
      const completion = stop < 0 ? gen : gen.slice(0, stop + 1);
      const r = await diagnoseEstimators({
        predictor: asMaskPredictor(model), prompt: prompt.ids, completion, maskId: model.config.maskTokenId, device, variants, base: config,
        draws: unwrap(integerFlag('draws', f.draws, 32, 2)), referenceMcNum: unwrap(integerFlag('reference-mc', f['reference-mc'], 256, 1)), seed: config.seed,
      });
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'diagnostics.json'), `${JSON.stringify(r, null, 2)}\n`);
      writeFileSync(join(out, 'diagnostics.md'), diagnosticsMarkdown(r));
      io.stderr(`wrote ${join(out, 'diagnostics.json')} and ${join(out, 'diagnostics.md')}\n`);
      io.stdout(f.json ? `${JSON.stringify(r)}\n` : diagnosticsMarkdown(r));
      return 0;
    }

    const families = await taskPrompts(tasks, examples, setup);
    const evaluator = evalLimit > 0
      ? shapesWorldEvaluator(model, tasks, setup, { genLengths: evalLengths, limit: evalLimit, imageSteps: config.imageSteps, seed: config.seed })
      : undefined;
    io.stderr(`ablate ${variants.join(', ')} × seeds ${seeds.join(', ')}: ${maxSteps} steps each, base preset ${preset}, ${tasks.join(', ')} on ${device} → ${out}\n`);
    const controller = new AbortController();
    const onSignal = () => {
      io.stderr('\ninterrupted: stopping after the current step (continue with --resume)\n');
      controller.abort();
    };
    process.once('SIGINT', onSignal);
    const deviceLabel = describeDevice(device);
    const r = await runAblation({
      policy, base: config, variants, seeds, maxSteps, out, prompts: (seed) => promptSource(families, seed),
      ...(evaluator ? { evaluator } : {}), ...(budgets ? { budgets } : {}), evalEvery, smoothing, resume: !!f.resume, noDecay: RL_NO_DECAY,
      progress: (line) => io.stderr(`${line}\n`), signal: controller.signal, deviceLabel,
      settings: { model: dir, preset, tasks: tasks.join(', '), device: deviceLabel, evalItemsPerTask: evalLimit },
    }).finally(() => process.off('SIGINT', onSignal));
    if (E.isLeft(r)) throw r.left;
    const res = r.right;
    if (res.pngNote) io.stderr(`note: ${res.pngNote}\n`);
    io.stderr(`wrote ${res.files.summaryJson}, ${res.files.summaryMd}, ${[...res.files.svg, ...res.files.png].join(', ')}\n`);
    io.stdout(f.json ? `${JSON.stringify({ summary: res.summary, files: res.files })}\n` : readFileSync(res.files.summaryMd, 'utf8'));
    return res.stopped ? 130 : 0;
  });
}

/** `--budget V=SxN,…`: per-variant seeds and steps (either may be omitted). */
function budgetFlag(value: string | undefined, variants: readonly string[]): Record<string, { seeds?: number; steps?: number }> | undefined {
  if (value === undefined) return undefined;
  const out: Record<string, { seeds?: number; steps?: number }> = {};
  for (const part of value.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^(.+)=(\d*)x(\d*)$/.exec(part);
    if (!m || (m[2] === '' && m[3] === '')) throw new UsageError(`--budget: expected VARIANT=SEEDSxSTEPS (e.g. coupled=1x4), got ${JSON.stringify(part)}`);
    const name = m[1]!;
    if (!variants.includes(name)) throw new UsageError(`--budget: ${name} is not one of --variants (${variants.join(', ')})`);
    out[name] = { ...(m[2] ? { seeds: Number(m[2]) } : {}), ...(m[3] ? { steps: Number(m[3]) } : {}) };
  }
  return out;
}

/** The device as the summary reports it: webgpu with its adapter (e.g. a GPU, or a software driver), or cpu. */
function describeDevice(device: DeviceName): string {
  const adapter = device === 'webgpu' ? (getBackend('webgpu') as { readonly adapterInfo?: string }).adapterInfo : undefined;
  return adapter ? `${device} (${adapter})` : device;
}

export const ablateCommand: Command = {
  name: 'ablate',
  summary: 'compare RL variants (likelihood estimators) from one checkpoint over seeds: summary, CIs, reward charts',
  usage: USAGE,
  run,
};
