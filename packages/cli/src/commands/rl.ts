/**
 * mmada rl --model DIR --preset unigrpo --task shapesworld-reasoning[,shapesworld-understanding,shapesworld-t2i]
 *   --steps N --out DIR [config flags] [--vq DIR] [--resume | --overwrite] [--device D] [--json]
 *
 * GRPO-family RL (@mmada/rl's rlTrain) of a MMaDA checkpoint on ShapesWorld task families: the preset's
 * settings are printed first, progress per step on stderr, a summary on stdout; --out becomes a model
 * directory (config.json, model.safetensors, tokenizer files) with metrics.jsonl, rl-config.json and the
 * resumable checkpoint/.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import {
  checkItemCount, disposeModel, hasTrainingCheckpoint, MAX_TRAINING_STEPS, memoryBudget, saveModel, TOKENIZER_CONFIG_FILE_NAME, TOKENIZER_FILE_NAME,
} from '@mmada/mmada';
import { describePreset, rlTrain, RL_CHECKPOINT_DIR, RL_CONFIG_FILE, RL_METRICS_FILE } from '@mmada/rl';
import type { CliIO } from '../cli-io.js';
import type { Command } from '../command.js';
import { choiceFlag, integerFlag } from '../flag-values.js';
import { withTrainingModels } from '../image-setup.js';
import { lockOutputDir } from '../output-lock.js';
import { checkModelOutput, checkOutputDir } from '../output-paths.js';
import { startCommand } from '../command-start.js';
import { UsageError } from '../usage-error.js';
import { unwrap } from '../unwrap.js';
import { BYTES_PER_PROMPT, refuseOversize } from '../work-checks.js';
import {
  mmadaPolicy, needsImages, promptSource, RL_CONFIG_FLAGS, RL_NO_DECAY, RL_CONFIG_USAGE, RL_TASKS, rlConfigFromFlags, taskListFlag, taskPrompts, withEstimator,
} from './rl-setup.js';

const USAGE = `mmada rl --model DIR [--preset NAME] [--task T1,T2] --steps N --out DIR [options]

Policy-gradient RL of a checkpoint (GRPO family: UniGRPO, d1, dLLM-RL, coupled-GRPO presets) on ShapesWorld.
Each step samples G completions per prompt with the current weights, scores them with the task's verifiable
reward, and makes numIterations clipped-surrogate updates through the chosen likelihood estimator.
The preset's settings are printed first; progress goes to stderr, a summary to stdout. --out receives the
trained model (config.json, model.safetensors, tokenizer files: load it with mmada eval / generate),
${RL_METRICS_FILE} (one JSON line per step), ${RL_CONFIG_FILE} and ${RL_CHECKPOINT_DIR}/ (exact resume with --resume).

  --model DIR            MMaDA checkpoint directory (config.json, safetensors, tokenizer.json): the start and π_ref
  --task T1,T2           ${RL_TASKS.join(', ')} (default shapesworld-reasoning);
                         understanding and t2i need --vq
  --steps N              generation batches to train (default 100)
  --out DIR              run directory (default runs/rl)
${RL_CONFIG_USAGE}
  --estimator SPEC       swap the likelihood estimator: unigrpo[:stratified|random|paper-formula|igpo], d1[:pMaskPrompt],
                         coupled, random-masking[:copies], llada-mc[:mcNum]
  --examples N           train items per task the prompts cycle through (default 1000)
  --vq DIR               image tokenizer for the image tasks
  --size PX              ShapesWorld canvas, 32 or 64 (default 32); --resolution PX what the tokenizer sees (default --size)
  --max-seq-length N     t2i layout's text length (default 512)
  --thinking             MMaDA's thinking-mode instruction in the chat prompts
  --checkpoint-every N   checkpoint (and save the model) every N steps (default steps/10) and at the end
  --resume               continue the run in --out; --overwrite starts over
  --device D             cpu | webgpu (default: MMADA_DEVICE, else webgpu if present, else cpu)
  --json                 print the summary as JSON
`;

const FLAGS = {
  ...RL_CONFIG_FLAGS,
  model: { type: 'string' },
  task: { type: 'string' },
  steps: { type: 'string' },
  out: { type: 'string' },
  estimator: { type: 'string' },
  examples: { type: 'string' },
  vq: { type: 'string' },
  size: { type: 'string' },
  resolution: { type: 'string' },
  'max-seq-length': { type: 'string' },
  thinking: { type: 'boolean' },
  'checkpoint-every': { type: 'string' },
  resume: { type: 'boolean' },
  overwrite: { type: 'boolean' },
} as const;

/** The image flags and tokenizer shared by rl and ablate. */
export function imageFlags(f: { readonly size?: string; readonly resolution?: string; readonly 'max-seq-length'?: string }) {
  const size = unwrap(choiceFlag('size', f.size, ['32', '64'] as const, '32')) === '64' ? 64 : 32;
  const resolution = unwrap(integerFlag('resolution', f.resolution, size, 1));
  const maxSeqLength = unwrap(integerFlag('max-seq-length', f['max-seq-length'], 512, 1));
  return { size: size as 32 | 64, resolution, maxSeqLength };
}

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const start = startCommand(argv, io, USAGE, FLAGS, { model: 'DIR' });
  if (!start) return 0;
  const f = start.flags;
  const dir = f.model;
  const tasks = taskListFlag(f.task);
  const maxSteps = unwrap(integerFlag('steps', f.steps, 100, 1, MAX_TRAINING_STEPS));
  const out = f.out ?? 'runs/rl';
  const { preset, config: presetConf } = rlConfigFromFlags(f);
  const config = withEstimator(presetConf, f.estimator);
  const examples = unwrap(integerFlag('examples', f.examples, 1000, 1));
  refuseOversize(checkItemCount(examples, BYTES_PER_PROMPT, memoryBudget('cpu'), `--examples ${examples}`));
  const every = unwrap(integerFlag('checkpoint-every', f['checkpoint-every'], Math.max(1, Math.ceil(maxSteps / 10)), 1));
  const image = imageFlags(f);
  const vqDir = f.vq;
  if (needsImages(tasks) && !vqDir) throw new UsageError(`--task ${tasks.join(',')} has image tasks: pass --vq DIR, the image tokenizer`);
  const resume = !!f.resume;
  if (resume && f.overwrite) throw new UsageError('give at most one of --resume and --overwrite');
  const hasRun = existsSync(join(out, RL_CHECKPOINT_DIR));
  checkOutputDir(out, { flag: '--out' });
  if (hasRun && !resume && !f.overwrite) throw new UsageError(`${out} already holds an RL run: pass --resume to continue it or --overwrite to start over`);
  if (!resume) checkModelOutput(out, { flag: '--out', overwrite: !!f.overwrite, files: ['model.safetensors', 'model.safetensors.index.json'] });
  if (resume && !(await hasTrainingCheckpoint(join(out, RL_CHECKPOINT_DIR)))) {
    throw new UsageError(`--resume: ${join(out, RL_CHECKPOINT_DIR)} holds no training checkpoint to continue from (drop --resume to start a new run)`);
  }
  if (resolve(out) === resolve(dir)) throw new UsageError('--out must differ from --model (the starting weights are the reference policy)');
  using _lock = lockOutputDir(out, 'mmada rl', (m) => io.stderr(`note: ${m}\n`));

  for (const line of describePreset(preset)) io.stderr(`${line}\n`);
  if (f.estimator) io.stderr(`  estimator (--estimator) = ${JSON.stringify(config.estimator)}\n`);

  return withTrainingModels('rl', { model: dir, vq: vqDir }, needsImages(tasks), image.resolution, () => start.device(), io, async ({ model, tokenizer, vq, device }) => {
    const families = await taskPrompts(tasks, examples, { tokenizer, vq, ...image, thinking: !!f.thinking });
    if (f.overwrite) for (const name of [RL_CHECKPOINT_DIR, RL_METRICS_FILE, RL_CONFIG_FILE]) rmSync(join(out, name), { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    for (const name of [TOKENIZER_FILE_NAME, TOKENIZER_CONFIG_FILE_NAME]) if (existsSync(join(dir, name))) copyFileSync(join(dir, name), join(out, name));
    const config0 = model.config;
    const controller = new AbortController();
    const onSignal = () => {
      io.stderr('\ninterrupted: saving a checkpoint (resume with --resume)\n');
      controller.abort();
    };
    process.once('SIGINT', onSignal);
    io.stderr(`rl ${preset} on ${tasks.join(', ')}: ${maxSteps} steps × ${config.promptsPerStep} prompts × ${config.numGenerations} completions, μ ${config.numIterations}, estimator ${config.estimator.name}, ${device} → ${out}\n`);
    const r = await rlTrain({
      policy: mmadaPolicy(model, tokenizer),
      config,
      prompts: promptSource(families, config.seed),
      maxSteps,
      out,
      resume,
      checkpointEvery: every,
      noDecay: RL_NO_DECAY,
      progress: (line) => io.stderr(`${line}\n`),
      signal: controller.signal,
      extra: { model: dir, tasks, examples, image },
      onCheckpoint: async ({ params }) => {
        const saved = await saveModel({ config: config0, params }, out)();
        if (E.isLeft(saved)) throw new Error(`cannot save the model to ${out}: ${saved.left.message}`);
      },
    })().finally(() => process.off('SIGINT', onSignal));
    if (E.isLeft(r)) throw r.left;
    const res = r.right;
    disposeModel({ config: config0, params: res.params });
    const h = res.history;
    const k = Math.max(1, Math.min(10, Math.floor(h.length / 5)));
    const avgReward = (xs: typeof h) => xs.reduce((a, m) => a + m.reward.mean, 0) / Math.max(1, xs.length);
    const summary = {
      model: dir, preset, tasks, device, steps: res.step, startStep: res.startStep, stopped: res.stopped,
      seconds: Number(res.seconds.toFixed(2)),
      rewardFirst: h.length ? Number(avgReward(h.slice(0, k)).toFixed(4)) : null,
      rewardLast: h.length ? Number(avgReward(h.slice(-k)).toFixed(4)) : null,
      averagedOver: k,
      forwardPasses: h[h.length - 1]?.forwardPasses.cumulative ?? 0,
      out, files: res.files ?? null,
    };
    if (f.json) io.stdout(`${JSON.stringify(summary)}\n`);
    else {
      io.stdout(
        [
          `${res.stopped ? 'stopped' : 'trained'} ${dir} with ${preset} for ${res.step - res.startStep} steps${res.startStep ? ` (from step ${res.startStep})` : ''} in ${summary.seconds}s`,
          `reward ${summary.rewardFirst} → ${summary.rewardLast} (mean of the first / last ${k} steps of ${h.length})`,
          `model       ${out}   (mmada eval --model ${out} --task …)`,
          `metrics     ${join(out, RL_METRICS_FILE)}`,
          `checkpoint  ${join(out, RL_CHECKPOINT_DIR)}   (mmada rl … --out ${out} --resume)`,
        ].join('\n') + '\n',
      );
    }
    return res.stopped ? 130 : 0;
  });
}

export const rlCommand: Command = { name: 'rl', summary: 'RL post-training (UniGRPO, d1, dLLM-RL, coupled-GRPO presets) on ShapesWorld with verifiable rewards', usage: USAGE, run };
