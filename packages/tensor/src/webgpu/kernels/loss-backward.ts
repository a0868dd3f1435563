import type { TensorRef } from '../../backend.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { CONSTS, EXP_SHIFTED, Meta, NAN, metaDecl } from './common.js';

/** Threads per row: short rows do not need 256 idle lanes. */
function rowThreads(n: number): number {
  return n >= 1024 ? 256 : n >= 128 ? 128 : 64;
}

/**
 * dlogits[r] = gradOut[r]·(softmax(logits[r]) − onehot(targets[r])): one workgroup per row, two reads of the row.
 * The first merges per-thread online (max, Σexp) pairs in workgroup memory; the second writes the gradient, so the
 * probabilities are never stored. Ignored rows are written as 0 (without reading the row); rows with any other
 * out-of-range target as NaN. No infinity is assumed: every running maximum starts at the row's first element
 * (an invocation that reads nothing holds (that element, 0), a neutral pair), and exp_shifted counts an entry
 * equal to the maximum as exactly 1, as the forward kernels do (a row whose maximum is infinite is uniform over
 * its maximal entries).
 */
export function crossEntropyBackward(rt: Runtime, logits: TensorRef, targets: TensorRef, gradOut: TensorRef, ignoreIndex: number): GPUStorage {
  const [R, V] = logits.shape as [number, number];
  const y = rt.createStorage(R * V * 4);
  if (R * V === 0) return y;
  const wg = rowThreads(V);
  const meta = new Meta().u32(R, V).i32(ignoreIndex);
  rt.dispatch({
    key: `nn:crossEntropyBackward:${wg}`,
    code: () => `${CONSTS}
${EXP_SHIFTED}
@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<i32>;
@group(0) @binding(2) var<storage, read> gos: array<f32>;
@group(0) @binding(3) var<storage, read_write> dxs: array<f32>;
${metaDecl(4, meta.length)}
var<workgroup> wm: array<f32, ${wg}>;
var<workgroup> ws: array<f32, ${wg}>;

@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= m(0u)) { return; }
  let n = m(1u);
  let base = row * n;
  let tgt = targets[row];
  let ignored = tgt == mi(2u);
  let bad = !ignored && (tgt < 0 || u32(tgt) >= n);
  // no early return: the barriers below stay in uniform control flow
  let nread = select(n, 0u, ignored || bad);
  var mx = 0.0;
  if (nread > 0u) { mx = xs[base]; }
  var s = 0.0;
  for (var j = t; j < nread; j = j + ${wg}u) {
    let x = xs[base + j];
    if (x > mx) { s = s * exp_shifted(mx, x) + 1.0; mx = x; }
    else { s = s + exp_shifted(x, mx); }
  }
  wm[t] = mx; ws[t] = s;
  workgroupBarrier();
  for (var k = ${wg / 2}u; k > 0u; k = k >> 1u) {
    if (t < k) {
      let m1 = wm[t]; let m2 = wm[t + k];
      let mm = max(m1, m2);
      wm[t] = mm; ws[t] = ws[t] * exp_shifted(m1, mm) + ws[t + k] * exp_shifted(m2, mm);
    }
    workgroupBarrier();
  }
  let M = wm[0];
  let gt = gos[row];
  let g = gt / ws[0];
  let jt = u32(tgt);
  for (var j = t; j < n; j = j + ${wg}u) {
    var d = 0.0;
    if (bad) { d = ${NAN}; }
    else if (!ignored) { d = g * exp_shifted(xs[base + j], M); if (j == jt) { d = d - gt; } }
    dxs[base + j] = d;
  }
}`,
    bindings: [
      { storage: logits.storage as GPUStorage, kind: 'read' },
      { storage: targets.storage as GPUStorage, kind: 'read' },
      { storage: gradOut.storage as GPUStorage, kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(R),
  });
  return y;
}
