import type { TensorRef } from '../../backend.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { CONSTS, Meta, WG, main1d, metaDecl } from './common.js';
import { MATH_FNS } from './elementwise.js';

/**
 * SwiGLU's gating and its backward, one invocation per element each: forward reads gate and up once and writes
 * silu(gate) · up; backward reads gate, up and gradOut once and writes both gradients (the unfused pair is two
 * dispatches forward and eight backward).
 */
export function swiglu(rt: Runtime, gate: TensorRef, up: TensorRef, backward: TensorRef | null): GPUStorage[] {
  const n = gate.size;
  const outs = (backward ? [0, 1] : [0]).map(() => rt.createStorage(n * 4));
  if (n === 0) return outs;
  const meta = new Meta().u32(n);
  const ins = backward ? ['gs', 'us', 'ds'] : ['gs', 'us'];
  const body = backward
    ? `  let s = sigmoid_f(g);
  dg[i] = ds[i] * us[i] * s * (1.0 + g * (1.0 - s));
  du[i] = ds[i] * g * s;`
    : `  y[i] = (g * sigmoid_f(g)) * us[i];`;
  const outNames = backward ? ['dg', 'du'] : ['y'];
  rt.dispatch({
    key: backward ? 'nn:swigluBackward' : 'nn:swiglu',
    code: () => `${CONSTS}${MATH_FNS}
${ins.map((name, i) => `@group(0) @binding(${i}) var<storage, read> ${name}: array<f32>;`).join('\n')}
${outNames.map((name, i) => `@group(0) @binding(${ins.length + i}) var<storage, read_write> ${name}: array<f32>;`).join('\n')}
${metaDecl(ins.length + outNames.length, meta.length)}
${main1d(`  if (i >= m(0u)) { return; }
  let g = gs[i];
${body}`)}`,
    bindings: [
      ...[gate, up, ...(backward ? [backward] : [])].map((t) => ({ storage: t.storage as GPUStorage, kind: 'read' as const })),
      ...outs.map((storage) => ({ storage, kind: 'write' as const })),
    ],
    meta: meta.array(),
    workgroups: rt.grid(Math.ceil(n / WG)),
  });
  return outs;
}
