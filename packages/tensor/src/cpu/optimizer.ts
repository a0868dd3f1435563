import type { OutSpec, TensorRef } from '../backend.js';
import type { PrimitiveParams } from '../primitives.js';
import { CpuStorage, output } from './storage.js';

const f = Math.fround;

/** The reference of the fused Adam step: every operation rounded to f32 in the documented order. */
export function adamUpdate(inputs: TensorRef[], p: PrimitiveParams['adamUpdate'], outs: OutSpec[]): CpuStorage[] {
  const [g, m, v] = inputs.map((t) => (t.storage as CpuStorage).data as Float32Array) as [Float32Array, Float32Array, Float32Array];
  const param = p.hasParam ? ((inputs[3]!.storage as CpuStorage).data as Float32Array) : null;
  const given = p.hasScale ? ((inputs[p.hasParam ? 4 : 3]!.storage as CpuStorage).data as Float32Array)[0]! : 1;
  // a squared global norm becomes clipByGlobalNorm's factor min(maxNorm / (√n² + 1e-6), 1), rounded as its ops are
  const scale = p.maxNorm ? Math.min(f(f(p.maxNorm) / f(f(Math.sqrt(given)) + f(1e-6))), 1) : given;
  const n = g.length;
  const [m2, v2, u] = outs.map((o) => output(o.dtype, n) as Float32Array) as [Float32Array, Float32Array, Float32Array];
  const [b1, c1, b2, c2, eps, sqrtBc2, negStep, decay] = [p.b1, p.c1, p.b2, p.c2, p.eps, p.sqrtBc2, -p.stepSize, p.decay].map(f) as number[];
  for (let i = 0; i < n; i++) {
    const gi = p.hasScale ? f(g[i]! * scale) : g[i]!;
    const mi = f(f(m[i]! * b1!) + f(gi * c1!));
    const vi = f(f(v[i]! * b2!) + f(f(gi * gi) * c2!));
    let ui = f(f(mi / f(f(f(Math.sqrt(vi)) / sqrtBc2!) + eps!)) * negStep!);
    if (p.decay !== 0 && i < p.decayEnd) ui = f(ui - f(param![i]! * decay!));
    if (p.apply) ui = f(param![i]! + ui);
    m2[i] = mi;
    v2[i] = vi;
    u[i] = ui;
  }
  return [new CpuStorage(m2), new CpuStorage(v2), new CpuStorage(u)];
}

/** Σ x² over every input, accumulated in doubles. */
export function sumOfSquares(inputs: TensorRef[]): CpuStorage[] {
  let s = 0;
  for (const t of inputs) for (const x of (t.storage as CpuStorage).data as Float32Array) s += x * x;
  return [new CpuStorage(Float32Array.of(s))];
}

/** The reference of packFlat: each input copied (or summed over its rows, in row order, in f32) to its offset, zeros elsewhere. */
export function packFlat(inputs: TensorRef[], p: PrimitiveParams['packFlat']): CpuStorage[] {
  const y = new Float32Array(p.total);
  inputs.forEach((t, i) => {
    const x = (t.storage as CpuStorage).data as Float32Array;
    const rows = p.rows?.[i] ?? 1;
    if (rows === 1) return y.set(x, p.offsets[i]!);
    const n = x.length / rows;
    const acc = new Float32Array(n);
    for (let r = 0; r < rows; r++) for (let e = 0; e < n; e++) acc[e] = acc[e]! + x[r * n + e]!;
    y.set(acc, p.offsets[i]!);
  });
  return [new CpuStorage(y)];
}
