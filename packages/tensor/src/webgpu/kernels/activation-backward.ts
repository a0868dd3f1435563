import type { TensorRef } from '../../backend.js';
import type { ActivationOp } from '../../primitives.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { CONSTS, Meta, WG, main1d, metaDecl } from './common.js';
import { MATH_FNS } from './elementwise.js';

/** f'(x) as a WGSL expression of x (the forward's sigmoid_f / erf_f / tanh_f). */
function derivative(op: ActivationOp): string {
  switch (op) {
    case 'silu':
      // s and 1 − s from one e = exp(−|x|), so 1 − s keeps its precision where s ≈ 1
      return `let e = exp(-abs(x));
  let s = select(e, 1.0, x >= 0.0) / (1.0 + e);
  let d = s * (1.0 + x * select(1.0, e, x >= 0.0) / (1.0 + e));`;
    case 'geluErf':
      return `let d = 0.5 * (1.0 + erf_f(x * 0.7071067811865476)) + x * exp(-0.5 * x * x) * 0.3989422804014327;`;
    case 'geluTanh':
      // with e = exp(−2|u|): ½(1 + tanh u) and 1 − tanh²u from e, free of the cancellation near tanh u = ±1
      return `let u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
  let e = exp(-2.0 * abs(u));
  let half1pt = select(e, 1.0, u >= 0.0) / (1.0 + e);
  let sech2 = 4.0 * e / ((1.0 + e) * (1.0 + e));
  let d = half1pt + 0.5 * x * sech2 * 0.7978845608028654 * (1.0 + 0.134145 * x * x);`;
  }
}

/**
 * An activation's backward, gradOut · f'(x), one invocation per element: reads x and gradOut once (silu's
 * composed derivative is six dispatches, gelu's eight to thirteen).
 */
export function activationBackward(rt: Runtime, x: TensorRef, gradOut: TensorRef, op: ActivationOp): GPUStorage {
  const n = x.size;
  const dx = rt.createStorage(n * 4);
  if (n === 0) return dx;
  const meta = new Meta().u32(n);
  rt.dispatch({
    key: `activationBackward:${op}`,
    code: () => `${CONSTS}${MATH_FNS}
@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read> ds: array<f32>;
@group(0) @binding(2) var<storage, read_write> dxs: array<f32>;
${metaDecl(3, meta.length)}
${main1d(`  if (i >= m(0u)) { return; }
  let x = xs[i];
  ${derivative(op)}
  dxs[i] = ds[i] * d;`)}`,
    bindings: [
      { storage: x.storage as GPUStorage, kind: 'read' },
      { storage: gradOut.storage as GPUStorage, kind: 'read' },
      { storage: dx, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(Math.ceil(n / WG)),
  });
  return dx;
}
