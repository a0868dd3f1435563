import type { Kernel } from '../backend.js';
import { sigmoid } from './scalar.js';
import { CpuStorage, values } from './storage.js';

const f = Math.fround;

/** silu(gate) · up, rounded as the unary silu and the product are (so it equals mul(silu(gate), up) exactly). */
export const swiglu: Kernel<'swiglu'> = ([gate, up]) => {
  const [g, u] = [values(gate!), values(up!)];
  const y = new Float32Array(g.length);
  for (let i = 0; i < y.length; i++) y[i] = f(g[i]! * sigmoid(g[i]!)) * u[i]!;
  return [new CpuStorage(y)];
};

/** dgate = gradOut · up · s · (1 + gate · (1 − s)), dup = gradOut · gate · s (s = sigmoid(gate)), in doubles. */
export const swigluBackward: Kernel<'swigluBackward'> = ([gate, up, gradOut]) => {
  const [g, u, d] = [values(gate!), values(up!), values(gradOut!)];
  const dg = new Float32Array(g.length);
  const du = new Float32Array(g.length);
  for (let i = 0; i < g.length; i++) {
    const s = sigmoid(g[i]!);
    du[i] = d[i]! * g[i]! * s;
    dg[i] = d[i]! * u[i]! * s * (1 + g[i]! * (1 - s));
  }
  return [new CpuStorage(dg), new CpuStorage(du)];
};
