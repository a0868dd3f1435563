/**
 * One training step of a small LLaDA-style mask predictor on @mmada/tensor (webgpu) against PyTorch on the
 * CPU of the same machine (bench/train-step-torch.py): the same model (vocab 64, d 128, 4 layers, 4 heads,
 * SwiGLU 384; 0.87 M parameters), batch (16 x 64), loss (LLaDA masked diffusion: CE / p over masked tokens)
 * and optimizer (global-norm clip 1, then AdamW), as packages/mmada's trainSft runs it. PyTorch runs with
 * OMP_WAIT_POLICY=PASSIVE and 2 threads from /usr/bin/python3; without torch its column is skipped with a note.
 *
 *   npx tsx bench/train-step.ts [--steps 5] [--no-torch]   (MMADA_PROFILE=1 also prints a per-kernel profile of one
 *   step; MMADA_PROFILE_TOP=N lists N kernels, default 30)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { adamw, chain, clipByGlobalNorm, optimizerStep, valueAndGrad, type GradientTransformation } from '@mmada/autograd';
import { maskIndependently } from '@mmada/diffusion';
import { createModel, MODEL_ZOO, parameterCount, sftBatchLoss, type MaskPredictorParameters, type ModelConfig } from '@mmada/mmada';
import * as T from '@mmada/tensor';

export interface TrainStepShape {
  readonly vocab: number;
  readonly d: number;
  readonly layers: number;
  readonly heads: number;
  readonly hidden: number;
  readonly batch: number;
  readonly seq: number;
}

/** The model and batch (0.87 M parameters, 16 x 64 tokens). */
export const TRAIN_STEP_SHAPE: TrainStepShape = { vocab: 64, d: 128, layers: 4, heads: 4, hidden: 384, batch: 16, seq: 64 };

export interface TrainStepRow {
  readonly name: string;
  readonly summary: string;
  readonly oursMsPerStep: number;
  readonly torchMsPerStep: number | null;
  /** ours / torch wall time (>1: we are slower). */
  readonly ratio: number | null;
  readonly oursCpuMsPerStep: number;
  readonly torchCpuMsPerStep: number | null;
  /** ours / torch CPU time of the process (all threads): less sensitive to other load on the machine. */
  readonly cpuRatio: number | null;
  readonly dispatchesPerStep: number | null;
  readonly torch: string | null;
  readonly loadAverage: readonly [number, number];
  readonly profile?: string;
}

function configOf(s: TrainStepShape): ModelConfig {
  return {
    ...MODEL_ZOO['mmada-small'],
    dModel: s.d, nHeads: s.heads, nKvHeads: s.heads, nLayers: s.layers, mlpHiddenSize: s.hidden,
    vocabSize: s.vocab, embeddingSize: s.vocab, maskTokenId: s.vocab - 1, eosTokenId: s.vocab - 2, padTokenId: s.vocab - 2, bosTokenId: s.vocab - 3,
    llmVocabSize: undefined, codebookSize: undefined, numVqTokens: undefined,
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Our step: the body of trainSft's loop (masks, loss and gradients, clip + AdamW, one readback of the loss). */
export async function oursTrainStep(shape: TrainStepShape, steps: number, device: T.DeviceName = 'webgpu', withProfile = false) {
  await T.init({ device });
  const config = configOf(shape);
  const model = createModel(config, T.key(0), { device });
  let params: MaskPredictorParameters = model.params;
  const optimizer = chain(clipByGlobalNorm(1), adamw(1e-3, { weightDecay: 0.01 })) as GradientTransformation<unknown[]>;
  let state = optimizer.init(params);
  const ids = T.keep(T.randint(T.key(1), [shape.batch, shape.seq], 0, shape.vocab - 1, { device }));
  const promptMask = T.keep(T.zeros([shape.batch, shape.seq], 'i32', { device }));
  const lossAndGrad = valueAndGrad((p: MaskPredictorParameters, batch: Parameters<typeof sftBatchLoss>[2]) => sftBatchLoss(p, config, batch));
  let loss = NaN;
  const step = async (s: number) => {
    const next = await T.scope(async () => {
      const { noisy, masked, p } = maskIndependently(T.foldIn(T.key(2), s), ids, { maskId: config.maskTokenId, promptMask });
      const { value, grads } = await lossAndGrad(params, { ids, noisy, masked, p, promptMask });
      const r = optimizerStep(optimizer, params, grads, state);
      return { ...r, loss: await value.item() };
    });
    params = next.params;
    state = next.state;
    loss = next.loss;
  };
  await step(0); // warm-up: pipelines, buffer pool
  const times: number[] = [];
  const cpu: number[] = [];
  for (let s = 1; s <= steps; s++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await step(s);
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000); // every thread of the process: the driver's workers included
  }
  const { report } = await T.profile(() => step(steps + 1), { device });
  const text = withProfile ? T.formatProfile(report, { top: Number(process.env.MMADA_PROFILE_TOP ?? 30) }) : undefined;
  // The step frees the parameters it replaces (model.params included): only the latest ones are live.
  T.dispose([params, state, ids, promptMask]);
  return { msPerStep: median(times), cpuMsPerStep: median(cpu), loss, dispatches: report.deviceProfile?.dispatches ?? null, profile: text, parameters: parameterCount(config) };
}

/** PyTorch's step on the CPU, or null (with the reason) when /usr/bin/python3 has no torch. */
export function torchTrainStep(shape: TrainStepShape, steps: number): { msPerStep: number; cpuMsPerStep: number; version: string; blas: string } | { skipped: string } {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return { skipped: `${python} not found` };
  const script = fileURLToPath(new URL('./train-step-torch.py', import.meta.url));
  const args = [script, ...Object.entries({ ...shape, steps, threads: 2 }).flatMap(([k, v]) => [`--${k}`, String(v)])];
  const r = spawnSync(python, args, { env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' }, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) {
    const why = /No module named 'torch'/.test(r.stderr) ? 'torch is not installed for /usr/bin/python3 (apt install python3-torch)' : (r.stderr || r.error?.message || 'failed').trim().split('\n').pop();
    return { skipped: why ?? 'failed' };
  }
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { msPerStep: number; cpuMsPerStep: number; torch: string; blas: string };
  return { msPerStep: out.msPerStep, cpuMsPerStep: out.cpuMsPerStep, version: out.torch, blas: out.blas };
}

export async function benchTrainStep(options: { steps?: number; torch?: boolean; profile?: boolean } = {}): Promise<TrainStepRow[]> {
  const steps = options.steps ?? 5;
  const shape = TRAIN_STEP_SHAPE;
  const load0 = loadavg()[0]!;
  const torch = options.torch === false ? { skipped: 'disabled (--no-torch)' } : torchTrainStep(shape, steps);
  const ours = await oursTrainStep(shape, steps, 'webgpu', options.profile ?? T.profileRequested());
  const load1 = loadavg()[0]!;
  const t = 'skipped' in torch ? null : torch;
  const ratio = t ? ours.msPerStep / t.msPerStep : null;
  const cpuRatio = t ? ours.cpuMsPerStep / t.cpuMsPerStep : null;
  const what = `vocab ${shape.vocab}, d ${shape.d}, ${shape.layers} layers, ${shape.heads} heads, SwiGLU ${shape.hidden}, batch ${shape.batch}x${shape.seq}`;
  const summary =
    `ours (webgpu) ${ours.msPerStep.toFixed(0)} ms/step, ${ours.dispatches ?? '?'} dispatches/step; ` +
    (t
      ? `PyTorch ${t.version} CPU (2 threads, ${t.blas}) ${t.msPerStep.toFixed(0)} ms/step; ours/PyTorch ${ratio!.toFixed(2)}x wall time, ` +
        `${cpuRatio!.toFixed(2)}x CPU time (${ours.cpuMsPerStep.toFixed(0)} vs ${t.cpuMsPerStep.toFixed(0)} CPU-ms/step)`
      : `PyTorch skipped: ${(torch as { skipped: string }).skipped}`) +
    ` (load ${load0.toFixed(2)} / ${load1.toFixed(2)}; ${what})`;
  return [{
    name: 'train step (LLaDA loss + AdamW, 0.87M params)',
    summary,
    oursMsPerStep: ours.msPerStep,
    torchMsPerStep: t?.msPerStep ?? null,
    ratio,
    oursCpuMsPerStep: ours.cpuMsPerStep,
    torchCpuMsPerStep: t?.cpuMsPerStep ?? null,
    cpuRatio,
    dispatchesPerStep: ours.dispatches,
    torch: t ? `${t.version} (${t.blas})` : null,
    loadAverage: [load0, load1],
    ...(ours.profile ? { profile: ours.profile } : {}),
  }];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const steps = args.includes('--steps') ? Number(args[args.indexOf('--steps') + 1]) : 5;
  benchTrainStep({ steps, torch: !args.includes('--no-torch') }).then(
    (rows) => {
      for (const r of rows) {
        if (r.profile) console.log(r.profile + '\n');
        const { profile: _p, ...row } = r;
        console.log(JSON.stringify(row));
      }
      process.exit(0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
