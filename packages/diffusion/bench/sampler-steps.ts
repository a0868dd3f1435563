/**
 * Sampler steps per second for B = 8, L = 256 with a cheap predictor (an embedding-table lookup,
 * logits[b, i] = table[ids[b, i]]), and the sampler's own overhead per step: the time per step minus the
 * time of one predictor call of the same batch. JSON-able rows; the root bench runner prints / stores them.
 *
 * Standalone: `node --import tsx packages/diffusion/bench/sampler-steps.ts [cpu|webgpu]`.
 */
import { dispose, ensureBackend, gather, key, sync, tensor, type DeviceName, type Tensor } from '@mmada/tensor';
import { maskgitSample, semiAutoregressiveSample, type MaskPredictor } from '../src/index.js';

export interface SamplerStepsRow {
  name: string;
  device: DeviceName;
  B: number;
  L: number;
  /** Vocabulary size of the toy predictor (the per-step work scales with B·L·V). */
  V: number;
  stepsPerSec: number;
  /** Milliseconds per step spent outside the predictor. */
  overheadMsPerStep: number;
}

const B = 8;
const L = 256;
const V = 512;
const MASK = V - 1;

function tablePredictor(device: DeviceName): { predictor: MaskPredictor; dispose(): void } {
  const data = new Float32Array(V * V);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.7311) * 4;
  const table = tensor(data, [V, V], 'f32', { device });
  return { predictor: (ids: Tensor) => gather(table, ids, 0), dispose: () => table.dispose() };
}

async function timeIt(run: () => Promise<void>, device: DeviceName): Promise<number> {
  await run(); // warm-up: pipelines, buffer pool
  await sync(device);
  let best = Infinity;
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    await run();
    await sync(device);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

async function predictorMs(predictor: MaskPredictor, rows: number, device: DeviceName): Promise<number> {
  const ids = tensor(new Int32Array(rows * L).fill(MASK), [rows, L], 'i32', { device });
  const calls = 4;
  const ms = await timeIt(async () => {
    for (let i = 0; i < calls; i++) {
      const out = await predictor(ids);
      if (i === calls - 1) await out.data();
      out.dispose();
    }
  }, device);
  ids.dispose();
  return ms / calls;
}

export async function benchSamplerSteps(device: DeviceName): Promise<SamplerStepsRow[]> {
  await ensureBackend(device);
  const { predictor, dispose: disposeTable } = tablePredictor(device);
  const rows: SamplerStepsRow[] = [];
  const perCall = { [B]: await predictorMs(predictor, B, device), [2 * B]: await predictorMs(predictor, 2 * B, device) };
  rows.push({ name: 'predictor alone', device, B, L, V, stepsPerSec: 1000 / perCall[B]!, overheadMsPerStep: 0 });

  const promptLength = 32;
  const prompt = tensor(Array.from({ length: B * promptLength }, (_, i) => i % 100), [B, promptLength], 'i32', { device });
  const textCases = [
    { name: 'semiAutoregressive τ=0 low_confidence', opts: {}, rows: B },
    { name: 'semiAutoregressive τ=1 random', opts: { temperature: 1, remasking: 'random' as const }, rows: B },
    { name: 'semiAutoregressive τ=1 cfg=1', opts: { temperature: 1, cfgScale: 1 }, rows: 2 * B },
  ];
  const steps = 14;
  for (const c of textCases) {
    const ms = await timeIt(async () => {
      const r = await semiAutoregressiveSample(predictor, prompt, {
        genLength: L - promptLength, blockLength: 32, steps, maskId: MASK, key: key(1), ...c.opts,
      });
      await r.ids.data();
      dispose(r);
    }, device);
    rows.push({ name: c.name, device, B, L, V, stepsPerSec: (1000 * steps) / ms, overheadMsPerStep: ms / steps - perCall[c.rows]! });
  }
  prompt.dispose();

  // MaskGIT over [BOS, 254 image tokens, EOI]: codes are vocabulary ids 0..255 (offset 0), the mask id is V − 1.
  const n = L - 2;
  const ids = tensor(Array.from({ length: B * L }, (_, i) => (i % L === 0 || i % L === L - 1 ? 300 : MASK)), [B, L], 'i32', { device });
  const imageSteps = 12;
  const ms = await timeIt(async () => {
    const r = await maskgitSample(predictor, ids, { numImageTokens: n, steps: imageSteps, codebookOffset: 0, codebookSize: 256, maskId: MASK, key: key(2) });
    await r.codes.data();
    dispose(r);
  }, device);
  rows.push({ name: 'maskgit N=254 K=256', device, B, L, V, stepsPerSec: (1000 * imageSteps) / ms, overheadMsPerStep: ms / imageSteps - perCall[B]! });
  ids.dispose();
  disposeTable();
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const device = (process.argv[2] ?? 'cpu') as DeviceName;
  const { init } = await import('@mmada/tensor');
  await init({ device });
  for (const row of await benchSamplerSteps(device)) console.log(JSON.stringify(row));
}
