/**
 * A synthetic 8B-shaped forward: random weights (no checkpoint needed) at the real width of a model-zoo config
 * (MMaDA-8B by default: d 4096, 32 heads, MLP 12288, 134,656-row embedding and head), kept packed in bf16 as
 * loadModel keeps a BF16 checkpoint. It times the forward with 1 and 2 blocks (the same block twice, so no
 * second layer of memory) and extrapolates to the config's layer count:
 *
 *   t(L) ≈ t(1) + (L − 1) · (t(2) − t(1))
 *
 * With --check it first compares the logits of a few tokens against the cpu device on the same weights.
 * Prints one JSON object and, with --out FILE, writes it there.
 *
 *   tsx bench/synthetic-8b.ts [--config mmada-8b-base] [--dtype bf16|f16|f32] [--tokens 64,512] [--trials 3]
 *                             [--d-model D --mlp M --vocab V --heads H] [--check] [--out FILE]
 *
 * The overrides shrink the width for a small adapter (lavapipe), where MMADA_WEBGPU_MAX_BINDING_BYTES can also
 * force the embedding and head through their row-block paths.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import {
  dispose,
  ensureBackend,
  fromRaw,
  getBackend,
  init,
  memory,
  sync,
  tensor,
  type DeviceName,
  type DType,
  type Tensor,
  type TypedArray,
} from '@mmada/tensor';
import {
  buildParameters,
  estimateMemory,
  forwardActivationBytes,
  maskPredictorForward,
  MODEL_ZOO,
  parameterShapes,
  type MaskPredictorParameters,
  type ModelConfig,
  type ModelName,
} from '@mmada/mmada';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const intFlag = (name: string, fallback: number): number => {
  const v = flag(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`synthetic-8b: ${name} expects a positive integer, got ${JSON.stringify(v)}`);
  return n;
};

const zooName = (flag('--config') ?? 'mmada-8b-base') as ModelName;
if (!(zooName in MODEL_ZOO)) throw new Error(`synthetic-8b: --config expects one of ${Object.keys(MODEL_ZOO).join(', ')}, got ${zooName}`);
const base: ModelConfig = MODEL_ZOO[zooName];
const dModel = intFlag('--d-model', base.dModel);
const full: ModelConfig = {
  ...base,
  dModel,
  nHeads: intFlag('--heads', base.nHeads),
  nKvHeads: intFlag('--heads', base.nKvHeads),
  mlpHiddenSize: intFlag('--mlp', base.mlpHiddenSize),
  vocabSize: intFlag('--vocab', base.vocabSize),
  embeddingSize: intFlag('--vocab', base.embeddingSize),
};
const dtype = (flag('--dtype') ?? 'bf16') as DType;
if (!['bf16', 'f16', 'f32'].includes(dtype)) throw new Error(`synthetic-8b: --dtype expects bf16, f16 or f32, got ${dtype}`);
const tokenCounts = (flag('--tokens') ?? '64,512').split(',').map((s) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new Error(`synthetic-8b: --tokens expects positive integers like 64,512, got ${JSON.stringify(s)}`);
  return n;
});
const trials = intFlag('--trials', 3);

/** Random weights, uniform in ±0.035 (about the 0.02 std of the released models), in the storage format of dtype. */
function randomWeights(n: number, seed: number): TypedArray {
  let s = (seed * 2654435761) >>> 0 || 1;
  const f = new Float32Array(1);
  const bits = new Uint32Array(f.buffer);
  const out = dtype === 'f32' ? new Float32Array(n) : new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    f[0] = ((s / 4294967296) - 0.5) * 0.07;
    if (dtype === 'f32') out[i] = f[0]!;
    else if (dtype === 'bf16') out[i] = bits[0]! >>> 16; // truncation: any bf16 pattern will do for random weights
    else out[i] = f16Bits(f[0]!);
  }
  return out;
}

function f16Bits(v: number): number {
  // |v| < 0.035: normal halves down to 2^-14, subnormal below; round to nearest by scaling
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a < 2 ** -14) return sign | Math.round(a / 2 ** -24);
  const e = Math.floor(Math.log2(a));
  const m = Math.round((a / 2 ** e - 1) * 1024);
  return m === 1024 ? sign | ((e + 16) << 10) : sign | ((e + 15) << 10) | m;
}

/** Host weights of a 1-layer config, by name (norm weights are ones, as initialised upstream). */
function hostWeights(c: ModelConfig): Map<string, { data: TypedArray; shape: number[] }> {
  const out = new Map<string, { data: TypedArray; shape: number[] }>();
  let seed = 1;
  for (const [name, shape] of parameterShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = shape.length === 1 ? ones(n) : randomWeights(n, seed++);
    out.set(name, { data, shape: [...shape] });
  }
  return out;
}

function ones(n: number): TypedArray {
  if (dtype === 'f32') return new Float32Array(n).fill(1);
  return new Uint16Array(n).fill(dtype === 'bf16' ? 0x3f80 : 0x3c00);
}

function upload(host: Map<string, { data: TypedArray; shape: number[] }>, c: ModelConfig, device: DeviceName): MaskPredictorParameters {
  return buildParameters(c, (name) => {
    const w = host.get(name)!;
    return fromRaw(w.data, w.shape, dtype, { device });
  });
}

/** The same parameters with the one block repeated `layers` times (no new weights). */
function repeated(p: MaskPredictorParameters, layers: number): MaskPredictorParameters {
  const t = p.model.transformer;
  return { model: { transformer: { ...t, blocks: Array.from({ length: layers }, () => t.blocks[0]!) } } };
}

function idsFor(T: number, device: DeviceName, vocab: number): Tensor {
  return tensor(Array.from({ length: T }, (_, i) => (i * 7919) % vocab), [1, T], 'i32', { device });
}

/** Median ms of the forward with one block and with two (trials interleaved, so load drifts hit both alike). */
async function timeOneAndTwo(p: MaskPredictorParameters, ids: Tensor): Promise<[number, number]> {
  const configs: [MaskPredictorParameters, ModelConfig][] = [
    [p, { ...full, nLayers: 1 }],
    [repeated(p, 2), { ...full, nLayers: 2 }],
  ];
  const once = async ([q, c]: [MaskPredictorParameters, ModelConfig]): Promise<number> => {
    const t0 = performance.now();
    const logits = maskPredictorForward(q, c, ids);
    await sync('webgpu');
    const ms = performance.now() - t0;
    logits.dispose();
    return ms;
  };
  for (const c of configs) await once(c); // warm-up: pipelines, buffer pool
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < trials; i++) for (const k of [0, 1] as const) times[k].push(await once(configs[k]));
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return [median(times[0]), median(times[1])];
}

/** Largest |a − b| / (1 + |b|) between webgpu and cpu logits of a few tokens on the same weights. */
async function checkAgainstCpu(host: Map<string, { data: TypedArray; shape: number[] }>, gpu: MaskPredictorParameters, c: ModelConfig): Promise<number> {
  await ensureBackend('cpu');
  const cpu = upload(host, c, 'cpu');
  const T = 4;
  const g = maskPredictorForward(gpu, c, idsFor(T, 'webgpu', c.embeddingSize));
  const r = maskPredictorForward(cpu, c, idsFor(T, 'cpu', c.embeddingSize));
  const [a, b] = [await g.data(), await r.data()];
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  dispose([g, r, cpu]);
  return worst;
}

async function main(): Promise<void> {
  await init({ device: 'webgpu' });
  const backend = getBackend('webgpu') as unknown as { adapterInfo?: string; runtime?: { maxBindingBytes: number } };
  const one: ModelConfig = { ...full, nLayers: 1 };
  const t0 = performance.now();
  const host = hostWeights(one);
  const params = upload(host, one, 'webgpu');
  await sync('webgpu');
  const loadMs = performance.now() - t0;
  const weightBytes = memory().bytes;
  const maxRelError = args.includes('--check') ? await checkAgainstCpu(host, params, one) : null;
  host.clear();
  const runs = [];
  for (const T of tokenCounts) {
    const ids = idsFor(T, 'webgpu', full.embeddingSize);
    const [t1, t2] = await timeOneAndTwo(params, ids);
    ids.dispose();
    const layerMs = t2 - t1;
    const extrapolatedMs = t1 + (full.nLayers - 1) * layerMs;
    runs.push({
      tokens: T,
      oneLayerMs: t1,
      twoLayersMs: t2,
      layerMs,
      embeddingAndHeadMs: t1 - layerMs,
      extrapolatedMs,
      extrapolatedTokensPerSecond: (T / extrapolatedMs) * 1000,
      // a block costs less than the timing noise (small width, loaded machine): the extrapolation means nothing
      noisy: layerMs <= 0.05 * t1,
      activationBytes: forwardActivationBytes(full, T),
    });
  }
  const bytesPerWeight = dtype === 'f32' ? 4 : 2;
  const result = {
    case: 'synthetic-8b-forward',
    config: zooName,
    dModel: full.dModel,
    nHeads: full.nHeads,
    mlpHiddenSize: full.mlpHiddenSize,
    embeddingSize: full.embeddingSize,
    nLayers: full.nLayers,
    dtype,
    adapter: backend.adapterInfo ?? 'unknown',
    maxBindingBytes: backend.runtime?.maxBindingBytes ?? null,
    loadMs,
    oneLayerWeightBytes: weightBytes,
    estimatedWeightBytes: estimateMemory(full, () => bytesPerWeight).parameterBytes,
    maxRelErrorVsCpu: maxRelError,
    runs,
    loadavg: loadavg()[0],
    time: new Date().toISOString(),
  };
  dispose(params);
  const text = JSON.stringify(result);
  console.log(text);
  const out = flag('--out');
  if (out) writeFileSync(out, `${text}\n`);
}

await main();
