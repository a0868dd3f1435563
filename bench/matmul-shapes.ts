/**
 * Matmul throughput at a small model's shapes against square products, in CPU time of the process (all threads,
 * the driver's workers included; other processes on the machine inflate it far less than wall time), on
 * @mmada/tensor's webgpu device. One JSON line per shape, with its GFLOP per CPU-second and its ratio to the
 * 1024² product measured in the same process.
 *
 *   npx tsx bench/matmul-shapes.ts
 */
import { loadavg } from 'node:os';
import * as T from '@mmada/tensor';

interface Shape {
  readonly M: number;
  readonly K: number;
  readonly N: number;
  readonly transA: boolean;
  readonly transB: boolean;
}

const sq = (n: number): Shape => ({ M: n, K: n, N: n, transA: false, transB: false });
const SHAPES: readonly Shape[] = [
  sq(1024),
  sq(512),
  // the train-step model (d 128, SwiGLU 384, batch 16 × 64 folded into 1024 rows): x·Wᵀ, ct·W, ctᵀ·x
  { M: 1024, K: 128, N: 384, transA: false, transB: true },
  { M: 1024, K: 384, N: 128, transA: false, transB: false },
  { M: 384, K: 1024, N: 128, transA: true, transB: false },
  { M: 1024, K: 128, N: 128, transA: false, transB: true },
  { M: 128, K: 1024, N: 128, transA: true, transB: false },
  { M: 1024, K: 64, N: 64, transA: false, transB: false },
  { M: 4096, K: 512, N: 512, transA: false, transB: true },
  { M: 4096, K: 64, N: 512, transA: false, transB: false },
  { M: 512, K: 4096, N: 64, transA: true, transB: false },
];

const name = (s: Shape) => `${s.transA ? `${s.K}x${s.M}ᵀ` : `${s.M}x${s.K}`} · ${s.transB ? `${s.N}x${s.K}ᵀ` : `${s.K}x${s.N}`}`;

async function cpuMsPerRun(a: T.Tensor, b: T.Tensor, s: Shape, reps: number): Promise<number> {
  const run = async (n: number) => {
    let y: T.Tensor | null = null;
    for (let i = 0; i < n; i++) {
      y?.dispose();
      y = T.matmul(a, b, { transA: s.transA, transB: s.transB });
    }
    await y!.data();
    y!.dispose();
  };
  await run(1);
  const xs: number[] = [];
  for (let t = 0; t < 5; t++) {
    const c0 = process.cpuUsage();
    await run(reps);
    const c = process.cpuUsage(c0);
    xs.push((c.user + c.system) / 1000 / reps);
  }
  return xs.sort((p, q) => p - q)[2]!;
}

async function main(): Promise<void> {
  await T.init({ device: 'webgpu' });
  let seed = 0;
  const rand = (shape: number[]) => T.keep(T.uniform(T.key(seed++), shape, { minval: -1, maxval: 1 }));
  console.error(`load average (1 min) at start: ${loadavg()[0]!.toFixed(2)}`);
  let base = 0;
  for (const s of SHAPES) {
    const flops = 2 * s.M * s.K * s.N;
    const a = rand(s.transA ? [s.K, s.M] : [s.M, s.K]);
    const b = rand(s.transB ? [s.N, s.K] : [s.K, s.N]);
    const ms = await cpuMsPerRun(a, b, s, Math.max(2, Math.round(0.5e9 / flops)));
    const gflops = flops / ms / 1e6;
    if (!base) base = gflops;
    console.log(JSON.stringify({ case: `matmul ${name(s)}`, gflopPerCpuS: +gflops.toFixed(2), over1024: +(gflops / base).toFixed(2), cpuMs: +ms.toFixed(2), load: +loadavg()[0]!.toFixed(2) }));
    T.dispose([a, b]);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
