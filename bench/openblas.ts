/** OpenBLAS sgemm through numpy on the same CPU, for context only (skipped when numpy is missing). */
import { spawnSync } from 'node:child_process';

export function openblasGflops(n: number): number | null {
  const script = `
import numpy as np, time
a = np.random.rand(${n}, ${n}).astype(np.float32); b = np.random.rand(${n}, ${n}).astype(np.float32)
a @ b
best = 1e9
for _ in range(5):
    t = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t)
print(2 * ${n}**3 / best / 1e9)
`;
  const r = spawnSync('python3', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) return null;
  const v = Number.parseFloat(r.stdout.trim());
  return Number.isFinite(v) ? v : null;
}
