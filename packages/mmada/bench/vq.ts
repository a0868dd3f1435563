/**
 * Image tokenizer benchmarks: encode (pixels → ids) and decode (ids → pixels) time with the released
 * MAGVIT-v2 architecture (random weights: speed does not depend on them) at the chosen image sizes on one
 * device, with the device memory the weights take and the peak of live tensor memory during each call.
 * Returns JSON rows (`{ name, summary, ... }`); run directly it prints them as JSON lines:
 *
 *   MMADA_DEVICE=webgpu node --import tsx packages/mmada/bench/vq.ts [--sizes 256,512] [--batch 1] [--reps 1]
 *
 * The full model is ≈178 GMAC to encode and ≈150 GMAC to decode a 256² image (×4 at 512²): minutes per call on
 * a software adapter (lavapipe) or the cpu device, milliseconds on a real GPU. Only 256² runs by default.
 * A 32² encode and decode first compiles every pipeline (pipelines are cached by kernel and rank, not shape).
 */
import { deviceFromEnv, dispose, init, key, memory, onPrimitive, scope, sync, uniform, randint, type DeviceName } from '@mmada/tensor';
import {
  decodeImageTokens, disposeImageTokenizer, downsampleFactor, encodeImages, initImageTokenizer, MAGVITV2_CONFIG, vqParameterCount, type VqConfig,
} from '@mmada/mmada';

export interface VqBenchOptions {
  /** Device (default: MMADA_DEVICE, else webgpu). */
  readonly device?: DeviceName;
  /** Square image sizes to measure (default [256]; 512 is 4× the work). */
  readonly sizes?: readonly number[];
  /** Images per call (default 1). */
  readonly batch?: number;
  /** Timed calls per size and direction, median reported (default 1). */
  readonly reps?: number;
  /** Architecture (default the released one). */
  readonly config?: VqConfig;
  /** Called before each timed call, for progress on slow adapters. */
  readonly onProgress?: (message: string) => void;
}

export interface VqBenchRow {
  readonly name: string;
  readonly summary: string;
  readonly [k: string]: unknown;
}

const MB = 1e6;

/** Multiply-accumulates of one encode and one decode of a size×size image (convolutions + mid attention). */
export function vqMacs(config: VqConfig, size: number): { encode: number; decode: number } {
  const conv = (hw: number, cout: number, cin: number, k: number) => hw * cout * cin * k * k;
  const resnet = (hw: number, cin: number, cout: number) => conv(hw, cout, cin, 3) + conv(hw, cout, cout, 3) + (cin !== cout ? conv(hw, cout, cin, 1) : 0);
  const mid = (hw: number, c: number) => 2 * resnet(hw, c, c) + 4 * conv(hw, c, c, 1) + 2 * hw * hw * c;
  const { ch, bits } = config;
  const levels = config.encoderChMult.length;
  let encode = 0;
  let side = size;
  encode += conv(side * side, ch, 3, 3);
  let cin = ch;
  for (let i = 0; i < levels; i++) {
    const cout = ch * config.encoderChMult[i]!;
    for (let j = 0; j < config.encoderNumResBlocks[i]!; j++) {
      encode += resnet(side * side, cin, cout);
      cin = cout;
    }
    if (i < levels - 1) {
      side /= 2;
      encode += conv(side * side, cout, cout, 3);
    }
  }
  encode += mid(side * side, cin) + conv(side * side, bits, cin, 3) + conv(side * side, bits, bits, 1);
  let decode = conv(side * side, bits, bits, 1);
  cin = ch * config.decoderChMult[levels - 1]!;
  decode += conv(side * side, cin, bits, 3) + mid(side * side, cin);
  for (let i = levels - 1; i >= 0; i--) {
    const cout = ch * config.decoderChMult[i]!;
    for (let j = 0; j < config.decoderNumResBlocks[i]!; j++) {
      decode += resnet(side * side, cin, cout);
      cin = cout;
    }
    if (i > 0) {
      side *= 2;
      decode += conv(side * side, cout, cout, 3);
    }
  }
  decode += conv(side * side, 3, cin, 3);
  return { encode, decode };
}

/** Runs `fn`, returning its wall time and the peak of live tensor bytes above `base` while it ran. */
async function measured(base: number, fn: () => Promise<void>): Promise<{ ms: number; peakBytes: number }> {
  let peak = 0;
  const off = onPrimitive(() => {
    peak = Math.max(peak, memory().bytes - base);
  });
  const t0 = performance.now();
  try {
    await fn();
  } finally {
    off();
  }
  return { ms: performance.now() - t0, peakBytes: peak };
}

export async function benchVq(options: VqBenchOptions = {}): Promise<VqBenchRow[]> {
  const device = await init({ device: options.device ?? deviceFromEnv() ?? 'webgpu' });
  const config = options.config ?? MAGVITV2_CONFIG;
  const batch = options.batch ?? 1;
  const reps = Math.max(1, options.reps ?? 1);
  const f = downsampleFactor(config);
  const rows: VqBenchRow[] = [];
  const base = memory().bytes;
  const tokenizer = initImageTokenizer(config, key(0), { device });
  await sync(device);
  const weightBytes = memory().bytes - base;
  const progress = options.onProgress ?? (() => {});
  try {
    // Warm-up at the smallest size: compiles every pipeline.
    progress(`warm-up: encode + decode of ${batch}×${2 * f}² on ${device}`);
    await scope(async () => {
      const x = uniform(key(1), [batch, 3, 2 * f, 2 * f], { minval: -1, maxval: 1, device });
      await decodeImageTokens(tokenizer, encodeImages(tokenizer, x), [2, 2]).data();
    });
    for (const size of options.sizes ?? [256]) {
      const grid: [number, number] = [size / f, size / f];
      const macs = vqMacs(config, size);
      for (const direction of ['encode', 'decode'] as const) {
        const times: number[] = [];
        let peak = 0;
        for (let r = 0; r < reps; r++) {
          progress(`${direction} ${batch}×${size}² on ${device} (${r + 1}/${reps}, ≈${((macs[direction] * batch) / 1e9).toFixed(0)} GMAC)`);
          const input = direction === 'encode'
            ? uniform(key(2 + r), [batch, 3, size, size], { minval: -1, maxval: 1, device })
            : randint(key(2 + r), [batch, grid[0] * grid[1]], 0, 2 ** config.bits, { device, dtype: 'i32' });
          await sync(device);
          const m = await measured(base + weightBytes + input.bytes, () =>
            scope(async () => {
              const out = direction === 'encode' ? encodeImages(tokenizer, input) : decodeImageTokens(tokenizer, input, grid);
              await out.data();
            }),
          );
          dispose(input);
          times.push(m.ms);
          peak = Math.max(peak, m.peakBytes);
        }
        times.sort((a, b) => a - b);
        const ms = times[Math.floor(times.length / 2)]!;
        const gmacs = (macs[direction] * batch) / 1e9;
        rows.push({
          name: `mmada.vq.${direction}.${size}`,
          summary: `MAGVIT-v2 ${direction} ${batch}×${size}² (${grid[0]}×${grid[1]} tokens) on ${device}: ${(ms / 1000).toFixed(2)} s, ${(gmacs / (ms / 1000)).toFixed(1)} GMAC/s, weights ${(weightBytes / MB).toFixed(0)} MB, peak activations ${(peak / MB).toFixed(0)} MB`,
          device,
          direction,
          size,
          batch,
          tokens: grid[0] * grid[1],
          parameters: vqParameterCount(config),
          ms,
          gmac: gmacs,
          gmacPerSecond: gmacs / (ms / 1000),
          weightMB: weightBytes / MB,
          peakActivationMB: peak / MB,
        });
      }
    }
  } finally {
    disposeImageTokenizer(tokenizer);
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const rows = await benchVq({
    sizes: flag('--sizes')?.split(',').map(Number),
    batch: flag('--batch') !== undefined ? Number(flag('--batch')) : undefined,
    reps: flag('--reps') !== undefined ? Number(flag('--reps')) : undefined,
    onProgress: (m) => process.stderr.write(`${m}\n`),
  });
  for (const row of rows) console.log(JSON.stringify(row));
}
