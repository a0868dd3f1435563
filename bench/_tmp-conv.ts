import * as T from '../packages/tensor/src/index.js';
await T.init({ device: 'webgpu' });
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
const x = T.keep(T.uniform(T.key(1), [32, 16, 32, 32])), w = T.keep(T.uniform(T.key(2), [16, 16, 3, 3]));
const a = T.keep(T.uniform(T.key(3), [16, 144])), b = T.keep(T.uniform(T.key(4), [144, 32768]));
console.log('conv N32 16->16', (await time(() => T.conv2d(x, w, null, { padding: 1 }))).toFixed(1), 'ms; matmul 16x144·144x32768', (await time(() => T.matmul(a, b))).toFixed(1), 'ms');
process.exit(0);
