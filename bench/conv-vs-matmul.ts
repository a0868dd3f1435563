/**
 * conv2d forward, input gradient and weight gradient against matmul at the same FLOPs, on @mmada/tensor's webgpu
 * device, in CPU time of the process (all threads, the driver's workers included): on a software adapter that is
 * the work done, and unlike wall time it is not inflated by other processes on the machine. Prints one JSON line
 * per shape. The forward, the input gradient and the weight gradient each have 2·N·O·C·k²·Ho·Wo FLOPs (the backward
 * is timed alone, both gradients, through autograd's vjp); the matmul is the implicit GEMM's [O, C·k²] · [C·k², N·Ho·Wo].
 * MMADA_PROFILE=1 also prints a per-kernel profile of each shape's backward.
 *
 *   npx tsx bench/conv-vs-matmul.ts [--set tokenizer|magvit|all]
 */
import { loadavg } from 'node:os';
import * as T from '@mmada/tensor';
import { vjp } from '@mmada/autograd';
import { cpuMsPerCall } from './cpu-time.js';

interface Shape {
  readonly N: number;
  readonly C: number;
  readonly O: number;
  readonly S: number;
  readonly k: number;
  readonly stride: number;
  readonly padding: number | [number, number, number, number];
}

const same = (N: number, C: number, O: number, S: number, k = 3): Shape => ({ N, C, O, S, k, stride: 1, padding: (k - 1) >> 1 });
// the tokenizer's downsample: stride 2, zero padding on the bottom and right only
const down = (N: number, C: number, S: number): Shape => ({ N, C, O: C, S, k: 3, stride: 2, padding: [0, 1, 0, 1] });

const SETS: Record<string, readonly Shape[]> = {
  // the shipped ShapesWorld tokenizer (packages/cli/src/recipe/image-tokenizer-stage.ts): ch 16–64, 32² down to 2², batch 32
  tokenizer: [same(32, 16, 16, 32), down(32, 16, 32), same(32, 32, 32, 8), down(32, 32, 8), same(32, 64, 64, 2), same(32, 3, 16, 32)],
  // released MAGVIT-v2 encoder / decoder layers at small sizes, batch 1
  magvit: [same(1, 128, 128, 32), same(1, 64, 64, 64), same(1, 256, 256, 16), same(1, 3, 128, 64), same(1, 128, 128, 32, 1), down(1, 128, 64)],
};

/** `--set N,C,O,S[,stride]`: one shape given on the command line. */
function adHoc(spec: string): Shape[] | undefined {
  const [N, C, O, S, stride] = spec.split(',').map(Number);
  if (!N || !C || !O || !S) return undefined;
  return [stride === 2 ? { ...down(N, C, S), O } : same(N, C, O, S)];
}

/**
 * CPU ms of one backward alone, with `cpuMsPerCall`'s protocol: `prepare` (untimed) records a forward and returns
 * its backward; `reps` of them are prepared, then run back to back, and the device waited for (nothing is read
 * back: see cpu-time.ts).
 */
async function backwardCpuMs(prepare: () => Promise<() => T.Tensor[]>, reps: number): Promise<number> {
  const trial = async (n: number) => {
    const backwards: (() => T.Tensor[])[] = [];
    for (let i = 0; i < n; i++) backwards.push(await prepare());
    const c0 = process.cpuUsage();
    let last: T.Tensor[] = [];
    for (const b of backwards) {
      T.dispose(last);
      last = b();
    }
    await T.sync();
    const c = process.cpuUsage(c0);
    T.dispose(last);
    return (c.user + c.system) / 1000 / n;
  };
  await trial(1);
  const xs: number[] = [];
  for (let t = 0; t < 3; t++) xs.push(await trial(reps));
  return xs.sort((p, q) => p - q)[1]!;
}

async function main(): Promise<void> {
  const setArg = process.argv.includes('--set') ? process.argv[process.argv.indexOf('--set') + 1]! : 'all';
  const shapes = setArg === 'all' ? [...SETS.tokenizer!, ...SETS.magvit!] : (SETS[setArg] ?? (setArg in SETS ? undefined : adHoc(setArg)));
  if (!shapes) throw new Error(`--set must be one of ${Object.keys(SETS).join(', ')}, all`);
  await T.init({ device: 'webgpu' });
  let seed = 0;
  const rand = (shape: number[]) => T.keep(T.uniform(T.key(seed++), shape, { minval: -1, maxval: 1 }));
  console.error(`load average (1 min) at start: ${loadavg()[0]!.toFixed(2)}`);
  for (const s of shapes) {
    const { N, C, O, S, k, stride, padding } = s;
    const opts = { stride, padding };
    const x = rand([N, C, S, S]);
    const w = rand([O, C, k, k]);
    const y0 = T.conv2d(x, w, null, opts);
    const [Ho, Wo] = [y0.shape[2]!, y0.shape[3]!];
    y0.dispose();
    const flops = 2 * N * O * C * k * k * Ho * Wo;
    const reps = Math.max(2, Math.round(0.3e9 / flops));
    const g = rand([N, O, Ho, Wo]);
    const forward = await cpuMsPerCall(() => [T.conv2d(x, w, null, opts)], reps);
    // the backward alone: the forward is recorded (and flushed) outside the timed part of each repetition
    const backward = await backwardCpuMs(async () => {
      const r = await vjp((xx: T.Tensor, ww: T.Tensor) => T.conv2d(xx, ww, null, opts), x, w);
      await r.out.data();
      return () => {
        const [dx, dw] = r.backward(g);
        r.out.dispose();
        return [dx, dw];
      };
    }, reps);
    const a = rand([O, C * k * k]);
    const b = rand([C * k * k, N * Ho * Wo]);
    const mm = await cpuMsPerCall(() => [T.matmul(a, b)], reps);
    if (T.profileRequested()) {
      const r = await vjp((xx: T.Tensor, ww: T.Tensor) => T.conv2d(xx, ww, null, opts), x, w);
      await r.out.data();
      const { report } = await T.profile(async () => {
        const grads = r.backward(g);
        await Promise.all(grads.map((t) => t.data()));
        T.dispose([r.out, ...grads]);
      });
      console.error(T.formatProfile(report, { top: 12 }));
    }
    const gf = (ms: number, f = flops) => +(f / ms / 1e6).toFixed(2);
    console.log(
      JSON.stringify({
        shape: `conv2d N${N} ${C}->${O} ${S}x${S} k${k}${stride > 1 ? ` s${stride}` : ''}`,
        gflopPerCpuS: { forward: gf(forward), backward: gf(backward, 2 * flops), matmul: gf(mm) },
        // time over the time of matmuls of the same FLOPs (one for the forward, two for dx and dw)
        overMatmul: { forward: +(forward / mm).toFixed(2), backward: +(backward / (2 * mm)).toFixed(2) },
        cpuMs: { forward: +forward.toFixed(2), backward: +backward.toFixed(2), matmul: +mm.toFixed(2) },
        load: +loadavg()[0]!.toFixed(2),
      }),
    );
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
