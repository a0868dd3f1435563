import type { TensorRef } from '../../backend.js';
import type { GPUStorage, Runtime } from '../runtime.js';
import { CONSTS, EXP_SHIFTED, Meta, NAN, metaDecl } from './common.js';
import { ROW_MAIN, ROW_STATS, rowReduction, st } from './row-kernel.js';

/** Per-row log(s) - (logits[target] - mx) (see ROW_STATS): 0 for ignoreIndex, NaN for other out-of-range targets. */
export function crossEntropy(rt: Runtime, logits: TensorRef, targets: TensorRef, ignoreIndex: number): GPUStorage {
  const [R, V] = logits.shape as [number, number];
  const y = rt.createStorage(R * 4);
  if (R === 0) return y;
  const meta = new Meta().u32(R, V).i32(ignoreIndex);
  const red = rowReduction(rt.laneSharing);
  rt.dispatch({
    key: `crossEntropy${red.key}`,
    code: () => `${red.head}${CONSTS}
@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read> tg: array<i32>;
@group(0) @binding(2) var<storage, read_write> ys: array<f32>;
${metaDecl(3, meta.length)}
${red.tree}
${EXP_SHIFTED}
${ROW_MAIN(`  let V = m(1u); let base = row * V;
  let tgt = tg[row];
  // an ignored row (uniform across the workgroup) skips the reductions
  if (tgt == mi(2u)) {
    if (t == 0u) { ys[row] = 0.0; }
    return;
  }
${ROW_STATS('xs', 'V')}
  if (t == 0u) {
    if (tgt < 0 || u32(tgt) >= V) { ys[row] = ${NAN}; }
    else { ys[row] = log(s) - shifted(xs[base + u32(tgt)], mx); }
  }`)}`,
    bindings: [
      { storage: st(logits), kind: 'read' },
      { storage: st(targets), kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(R),
  });
  return y;
}
