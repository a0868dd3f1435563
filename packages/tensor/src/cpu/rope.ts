import type { Kernel } from '../backend.js';
import { ropeInvFreq } from '../ops/rope-frequencies.js';
import { CpuStorage, values } from './storage.js';

const f = Math.fround;

/** Rotate-half RoPE with f32 angles (a = fround(p · invFreq)); cos/sin of that f32 angle are taken exactly. */
export const rope: Kernel<'rope'> = ([x, positions], { theta }) => {
  const [B, H, T, D] = x!.shape as [number, number, number, number];
  const half = D / 2;
  const inv = ropeInvFreq(theta, D);
  const v = values(x!);
  const pos = values(positions!);
  const perBatch = positions!.shape.length === 2;
  const y = new Float32Array(x!.size);
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const p = f(pos[perBatch ? b * T + t : t]!);
      for (let j = 0; j < half; j++) {
        const a = f(p * inv[j]!);
        cos[j] = f(Math.cos(a));
        sin[j] = f(Math.sin(a));
      }
      for (let h = 0; h < H; h++) {
        const o = ((b * H + h) * T + t) * D;
        for (let j = 0; j < half; j++) {
          const lo = v[o + j]!;
          const hi = v[o + j + half]!;
          y[o + j] = lo * cos[j]! - hi * sin[j]!;
          y[o + j + half] = hi * cos[j]! + lo * sin[j]!;
        }
      }
    }
  }
  return [new CpuStorage(y)];
};
