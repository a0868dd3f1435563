import * as T from '../packages/tensor/src/index.js';
await T.init({ device: 'webgpu' });
const n = 1024;
const a = T.keep(T.uniform(T.key(1), [n, n])), b = T.keep(T.uniform(T.key(2), [n, n]));
async function time(f: () => T.Tensor, reps = 6) {
  let y = f(); await y.data(); y.dispose();
  const xs: number[] = [];
  for (let t = 0; t < 3; t++) {
    const c0 = process.cpuUsage();
    const ys: T.Tensor[] = [];
    for (let i = 0; i < reps; i++) ys.push(f());
    await ys[ys.length - 1]!.data(); ys.forEach((q) => q.dispose());
    const c = process.cpuUsage(c0); xs.push((c.user + c.system) / 1000 / reps);
  }
  return xs.sort((p, q) => p - q)[1]!;
}
const ms = await time(() => T.matmul(a, b));
console.log((process.env.GEMM_X || 'full').padEnd(6), 'plain', ms.toFixed(1), 'ms', (2 * n ** 3 / ms / 1e6).toFixed(2), 'GFLOP/cpu-s');
process.exit(0);
