/**
 * Mask-predictor benchmarks: forward tokens/s and a full `generateIds` run for the tiny config and the
 * ≈100M config on one device, with the device memory the weights and a forward take. Returns JSON rows
 * (`{ name, summary, ... }`); run directly it prints them as JSON lines:
 *
 *   MMADA_DEVICE=webgpu node --import tsx packages/mmada/bench/forward.ts [--quick]
 */
import { deviceFromEnv, init, key, memory, scope, sync, tensor, type DeviceName } from '@mmada/tensor';
import { createModel, disposeModel, generateIds, maskPredictorForward, MODEL_ZOO, parameterCount, type ModelName } from '@mmada/mmada';

export interface ModelBenchOptions {
  /** Device (default: MMADA_DEVICE, else webgpu). */
  readonly device?: DeviceName;
  /** Smaller sequences and fewer repetitions. */
  readonly quick?: boolean;
  /** Configs to measure (default mmada-tiny and mmada-100m). */
  readonly configs?: readonly ModelName[];
}

export interface ModelBenchRow {
  readonly name: string;
  readonly summary: string;
  readonly [k: string]: unknown;
}

interface Shape {
  readonly batch: number;
  readonly seqLen: number;
  readonly genLength: number;
  readonly steps: number;
  readonly blockLength: number;
}

function shapeFor(name: ModelName, quick: boolean): Shape {
  if (name === 'mmada-100m') return quick ? { batch: 1, seqLen: 32, genLength: 8, steps: 2, blockLength: 8 } : { batch: 1, seqLen: 128, genLength: 32, steps: 8, blockLength: 32 };
  return quick ? { batch: 2, seqLen: 64, genLength: 16, steps: 4, blockLength: 8 } : { batch: 4, seqLen: 256, genLength: 64, steps: 16, blockLength: 32 };
}

const MB = 1e6;

async function median(reps: number, run: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function benchModel(options: ModelBenchOptions = {}): Promise<ModelBenchRow[]> {
  const device = await init({ device: options.device ?? deviceFromEnv() ?? 'webgpu' });
  const quick = options.quick ?? false;
  const rows: ModelBenchRow[] = [];
  for (const name of options.configs ?? (['mmada-tiny', 'mmada-100m'] as const)) {
    const config = MODEL_ZOO[name];
    const s = shapeFor(name, quick);
    const base = memory().bytes;
    const model = createModel(config, key(0), { device });
    await sync(device);
    const weightBytes = memory().bytes - base;
    try {
      const vocab = config.vocabSize - 8;
      const ids = Array.from({ length: s.batch }, (_, b) => Array.from({ length: s.seqLen }, (_, t) => (b * 131 + t * 7) % vocab));
      let forwardBytes = 0;
      const forward = async () => {
        await scope(async () => {
          const x = tensor(ids, undefined, 'i32', { device });
          const y = maskPredictorForward(model.params, config, x);
          forwardBytes = Math.max(forwardBytes, memory().bytes - base - weightBytes);
          await y.data();
        });
      };
      await forward(); // warm-up: pipelines, buffer pool
      const ms = await median(quick ? 2 : 3, forward);
      const tokens = s.batch * s.seqLen;
      rows.push({
        name: `mmada.forward.${name}`,
        summary: `${name} forward B=${s.batch} T=${s.seqLen} on ${device}: ${(tokens / (ms / 1000)).toFixed(0)} tokens/s (${ms.toFixed(1)} ms)`,
        device,
        config: name,
        parameters: parameterCount(config),
        batch: s.batch,
        seqLen: s.seqLen,
        ms,
        tokensPerSecond: tokens / (ms / 1000),
        weightMB: weightBytes / MB,
        liveMBAfterForward: forwardBytes / MB,
      });

      const prompt = ids[0]!.slice(0, 16);
      const t0 = performance.now();
      const r = await generateIds(model, [prompt], key(1), { genLength: s.genLength, steps: s.steps, blockLength: s.blockLength });
      const genMs = performance.now() - t0;
      rows.push({
        name: `mmada.generate.${name}`,
        summary: `${name} generateIds gen=${s.genLength} steps=${s.steps} block=${s.blockLength} on ${device}: ${(genMs / 1000).toFixed(2)} s, ${(r.steps / (genMs / 1000)).toFixed(2)} steps/s`,
        device,
        config: name,
        genLength: s.genLength,
        steps: r.steps,
        blockLength: s.blockLength,
        seconds: genMs / 1000,
        stepsPerSecond: r.steps / (genMs / 1000),
        generatedTokensPerSecond: s.genLength / (genMs / 1000),
      });
    } finally {
      disposeModel(model);
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await benchModel({ quick: process.argv.includes('--quick') })) console.log(JSON.stringify(row));
}
