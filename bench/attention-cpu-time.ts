/**
 * Fused attention and its backward on @mmada/tensor's webgpu device, in CPU time of the process (all threads, the
 * driver's workers included), at the train-step benchmark's shape and at a longer sequence. One JSON line per case.
 * Compare kernels by running it with and without a runtime switch, e.g. MMADA_LANE_SHARING=0 (lane sharing off).
 *
 *   npx tsx bench/attention-cpu-time.ts
 */
import { loadavg } from 'node:os';
import * as T from '@mmada/tensor';
import { cpuMsPerCall } from './cpu-time.js';

async function main(): Promise<void> {
  await T.init({ device: 'webgpu' });
  const lanes = process.env.MMADA_LANE_SHARING !== '0';
  for (const [B, H, Tn, D] of [
    [16, 4, 64, 32],
    [1, 4, 256, 64],
  ] as const) {
    const u = (seed: number) => T.keep(T.uniform(T.key(seed), [B, H, Tn, D], { minval: -1, maxval: 1 }));
    const [q, k, v, gradOut] = [u(1), u(2), u(3), u(4)];
    const out = T.keep(T.attention(q, k, v));
    const scale = 1 / Math.sqrt(D);
    const shape = `B${B} H${H} T${Tn} D${D}`;
    const forward = await cpuMsPerCall(() => [T.attention(q, k, v)], 10);
    const backward = await cpuMsPerCall(() => {
      const g = T.attentionBackward({ q, k, v, out, gradOut, scale });
      return [g.dq, g.dk, g.dv];
    }, 10);
    console.log(JSON.stringify({ case: `attention ${shape}`, laneSharing: lanes, forwardCpuMs: +forward.toFixed(2), backwardCpuMs: +backward.toFixed(2), load: +loadavg()[0]!.toFixed(2) }));
    T.dispose([q, k, v, gradOut, out]);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
