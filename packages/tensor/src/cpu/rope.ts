import type { Kernel } from '../backend.js';
import { ropeInvFreq } from '../ops/rope-frequencies.js';
import { CpuStorage, values } from './storage.js';

const f = Math.fround;

/**
 * Rotate-half RoPE with f32 angles (a = fround(p · invFreq)); cos/sin of that f32 angle are taken exactly
 * (sin negated when inverse). The layout says where (b, h, t) sits in x and in y. Every input but the last
 * (positions) is rotated alike.
 */
export const rope: Kernel<'rope'> = (inputs, { theta, inverse, layout }) => {
  const x = inputs[0]!;
  const positions = inputs[inputs.length - 1]!;
  const vs = inputs.slice(0, -1).map(values);
  const ys = vs.map(() => new Float32Array(x.size));
  const [B, d1, d2, D] = x.shape as [number, number, number, number];
  const [H, T] = layout === 'splitHeads' ? [d2, d1] : [d1, d2];
  const half = D / 2;
  const inv = ropeInvFreq(theta, D);
  const pos = values(positions);
  const perBatch = positions.shape.length === 2;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  /** Offset of row (b, h, t) in [B, H, T, D] (heads major) or [B, T, H, D] (tokens major). */
  const at = (tokensMajor: boolean, b: number, h: number, t: number) => (tokensMajor ? (b * T + t) * H + h : (b * H + h) * T + t) * D;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const p = f(pos[perBatch ? b * T + t : t]!);
      for (let j = 0; j < half; j++) {
        const a = f(p * inv[j]!);
        cos[j] = f(Math.cos(a));
        sin[j] = inverse ? -f(Math.sin(a)) : f(Math.sin(a));
      }
      for (let h = 0; h < H; h++) {
        const i = at(layout === 'splitHeads', b, h, t);
        const o = at(layout === 'mergeHeads', b, h, t);
        vs.forEach((v, n) => {
          const y = ys[n]!;
          for (let j = 0; j < half; j++) {
            const lo = v[i + j]!;
            const hi = v[i + j + half]!;
            y[o + j] = lo * cos[j]! - hi * sin[j]!;
            y[o + j + half] = hi * cos[j]! + lo * sin[j]!;
          }
        });
      }
    }
  }
  return ys.map((y) => new CpuStorage(y));
};
