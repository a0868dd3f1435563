/**
 * conv2d forward and backward against matmul at the same FLOPs, on @mmada/tensor's webgpu device, in CPU time of
 * the process (all threads, the driver's workers included): on a software adapter that is the work done, and
 * unlike wall time it is not inflated by other processes on the machine. Prints one JSON line per shape.
 *
 *   npx tsx bench/conv-vs-matmul.ts
 */
import * as T from '@mmada/tensor';
import { valueAndGrad } from '@mmada/autograd';

const SHAPES = [
  // [C, O, S, k]: MAGVIT-v2 encoder / decoder layer shapes at small sizes
  [128, 128, 32, 3],
  [64, 64, 64, 3],
  [256, 256, 16, 3],
  [3, 128, 64, 3],
  [128, 128, 32, 1],
] as const;

async function cpuMs(run: (reps: number) => Promise<void>, reps: number): Promise<number> {
  await run(1);
  const xs: number[] = [];
  for (let t = 0; t < 3; t++) {
    const c0 = process.cpuUsage();
    await run(reps);
    const c = process.cpuUsage(c0);
    xs.push((c.user + c.system) / 1000 / reps);
  }
  return xs.sort((a, b) => a - b)[1]!;
}

const loop = (f: () => T.Tensor) => async (reps: number) => {
  let y: T.Tensor | null = null;
  for (let i = 0; i < reps; i++) {
    y?.dispose();
    y = f();
  }
  await y!.data();
  y!.dispose();
};

async function main(): Promise<void> {
  await T.init({ device: 'webgpu' });
  let seed = 0;
  const rand = (shape: number[]) => T.keep(T.uniform(T.key(seed++), shape, { minval: -1, maxval: 1 }));
  for (const [C, O, S, k] of SHAPES) {
    const flops = 2 * O * C * k * k * S * S;
    const reps = Math.max(2, Math.round(0.4e9 / flops));
    const x = rand([1, C, S, S]);
    const w = rand([O, C, k, k]);
    const g = rand([1, O, S, S]);
    const pad = (k - 1) / 2;
    const forward = await cpuMs(loop(() => T.conv2d(x, w, null, { padding: pad })), reps);
    const grads = valueAndGrad((xw: [T.Tensor, T.Tensor]) => T.sum(T.mul(T.conv2d(xw[0], xw[1], null, { padding: pad }), g)));
    const step = await cpuMs(async (r) => {
      for (let i = 0; i < r; i++) {
        const out = await grads([x, w]);
        if (i === r - 1) await out.grads[1].data();
        T.dispose([out.value, out.grads]);
      }
    }, reps);
    // the same FLOPs as one forward: the implicit GEMM's [O, C·k²] x [C·k², S²]
    const a = rand([O, C * k * k]);
    const b = rand([C * k * k, S * S]);
    const mm = await cpuMs(loop(() => T.matmul(a, b)), reps);
    // forward + backward is three products of the forward's size
    const backward = Math.max(step - forward, 0);
    console.log(JSON.stringify({
      shape: `conv2d ${C}->${O} ${S}x${S} k${k}`,
      forwardGflopPerCpuS: flops / forward / 1e6,
      backwardGflopPerCpuS: (2 * flops) / backward / 1e6,
      matmulGflopPerCpuS: flops / mm / 1e6,
      forwardOverMatmul: forward / mm,
      backwardOverMatmul: backward / (2 * mm),
    }));
    T.dispose([x, w, g, a, b]);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
