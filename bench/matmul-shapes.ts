/**
 * Matmul throughput at a small model's shapes against square products, in CPU time of the process (all threads,
 * the driver's workers included; other processes on the machine inflate it far less than wall time), on
 * @mmada/tensor's webgpu device. One JSON line per shape, with its GFLOP per CPU-second and its ratio to the
 * 1024² product measured in the same process; then a block's q/k/v products as matmulMany passes against the same
 * products as single matmuls.
 *
 *   npx tsx bench/matmul-shapes.ts
 */
import { loadavg } from 'node:os';
import * as T from '@mmada/tensor';
import { cpuMsPerCall } from './cpu-time.js';

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

/**
 * A block's q/k/v products (rows 1024, d 128) as matmulMany passes against the same products as single matmuls:
 * the forward x·W_iᵀ, the input gradient Σ ct_i·W_i and the weight gradients ct_iᵀ·x.
 */
const GROUPED = [
  { label: 'matmulMany sharedA 1024x128 · 3 × 128x128ᵀ (q, k, v)', group: 'sharedA', lefts: [[1024, 128]], rights: [[128, 128], [128, 128], [128, 128]], transA: false, transB: true },
  { label: 'matmulMany sum 3 × 1024x128 · 128x128 (their input gradient)', group: 'sum', lefts: [[1024, 128], [1024, 128], [1024, 128]], rights: [[128, 128], [128, 128], [128, 128]], transA: false, transB: false },
  { label: 'matmulMany sharedB 3 × 1024x128ᵀ · 1024x128 (their weight gradients)', group: 'sharedB', lefts: [[1024, 128], [1024, 128], [1024, 128]], rights: [[1024, 128]], transA: true, transB: false },
] as const;

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
    const ms = await cpuMsPerCall(() => [T.matmul(a, b, { transA: s.transA, transB: s.transB })], Math.max(2, Math.round(0.5e9 / flops)), 5);
    const gflops = flops / ms / 1e6;
    if (!base) base = gflops;
    console.log(JSON.stringify({ case: `matmul ${name(s)}`, gflopPerCpuS: +gflops.toFixed(2), over1024: +(gflops / base).toFixed(2), cpuMs: +ms.toFixed(2), load: +loadavg()[0]!.toFixed(2) }));
    T.dispose([a, b]);
  }
  for (const g of GROUPED) {
    const lefts = g.lefts.map((sh) => rand([...sh]));
    const rights = g.rights.map((sh) => rand([...sh]));
    const n = Math.max(lefts.length, rights.length);
    const pair = (i: number) => [lefts[g.group === 'sharedA' ? 0 : i]!, rights[g.group === 'sharedB' ? 0 : i]!] as const;
    const opts = { transA: g.transA, transB: g.transB };
    const product = (i: number) => T.matmul(pair(i)[0], pair(i)[1], opts);
    const flops = 2 * 1024 * 128 * 128 * n;
    const reps = Math.max(2, Math.round(0.5e9 / flops));
    // the same products one matmul each (a sum's partial results carried as the next product's addend)
    const singles = () => {
      if (g.group !== 'sum') return Array.from({ length: n }, (_, i) => product(i));
      let y = product(0);
      for (let i = 1; i < n; i++) {
        const next = T.matmul(pair(i)[0], pair(i)[1], { ...opts, addend: y });
        y.dispose();
        y = next;
      }
      return [y];
    };
    for (const [label, f] of [
      [g.label, () => T.matmulMany(g.group, lefts, rights, opts)],
      [`  the same as ${n} single matmuls`, singles],
    ] as const) {
      const ms = await cpuMsPerCall(f, reps, 5);
      const gflops = flops / ms / 1e6;
      console.log(JSON.stringify({ case: label, gflopPerCpuS: +gflops.toFixed(2), over1024: +(gflops / base).toFixed(2), cpuMs: +ms.toFixed(2), load: +loadavg()[0]!.toFixed(2) }));
    }
    T.dispose([...lefts, ...rights]);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
