import type { TensorRef } from '../../backend.js';
import type { GPUStorage, Runtime } from '../runtime.js';
import { CONSTS, EXP_SHIFTED, Meta, metaDecl } from './common.js';
import { ROW_MAIN, ROW_STATS, RW, rowReduction, st } from './row-kernel.js';

/** softmax / logSoftmax over the last axis: one workgroup per row (see row-kernel.ts). */
export function softmaxLike(rt: Runtime, x: TensorRef, log: boolean): GPUStorage {
  const D = x.shape[x.shape.length - 1] ?? 1;
  const rows = D === 0 ? 0 : x.size / D;
  const y = rt.createStorage(x.size * 4);
  if (rows === 0) return y;
  const meta = new Meta().u32(rows, D);
  const red = rowReduction(rt.laneSharing);
  rt.dispatch({
    key: `${log ? 'logSoftmax' : 'softmax'}${red.key}`,
    code: () => `${red.head}${CONSTS}
@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read_write> ys: array<f32>;
${metaDecl(2, meta.length)}
${red.tree}
${EXP_SHIFTED}
${ROW_MAIN(`  let D = m(1u); let base = row * D;
${ROW_STATS('xs', 'D')}
  ${log ? 'let ls = log(s);' : 'let inv = 1.0 / s;'}
  for (var j = t; j < D; j = j + ${RW}u) {
    ${log ? 'ys[base + j] = shifted(xs[base + j], mx) - ls;' : 'ys[base + j] = exp_shifted(xs[base + j], mx) * inv;'}
  }`)}`,
    bindings: [
      { storage: st(x), kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(rows),
  });
  return y;
}
