import type { TensorRef } from '../../backend.js';
import type { GPUStorage } from '../runtime.js';
import { LANE_SHARING_ENABLE } from './lane-sharing.js';

/**
 * Row kernels: one workgroup of 64 invocations per row of the last axis (or per contiguous normalisation
 * block), the row read with a strided loop and reduced with a tree in workgroup memory: softmax / logSoftmax,
 * rms / layer / group norm, and cross-entropy (log-sum-exp minus the target logit: one number per row, the
 * probabilities are never written). On lavapipe 64 invocations per row measured faster than 128-256 with an
 * online (max, sum) merge (softmax 1024x1024: 17 ms vs 29-52 ms).
 *
 * softmax, logSoftmax and crossEntropy share one row-statistics code (ROW_STATS): the maximum mx (started from
 * the row's first element, so no -inf identity is needed) and s = Σ exp(x - mx), with entries equal to mx
 * counting exactly 1. Everything is then formed from the shifted logits x - mx, never from mx + log(s), whose
 * rounding at |mx| ≫ 1 would swamp log(s): logSoftmax = (x - mx) - log(s) and crossEntropy = log(s) - (x_t - mx),
 * so a code's cross-entropy is exactly minus its logSoftmax. A row whose maximum is infinite (all entries
 * -inf, or a +inf entry) gives the uniform distribution over its maximal entries, as it does with finite
 * sentinels (all -F32_MAX).
 */

export const RW = 64; // workgroup size of the row kernels

export function st(t: TensorRef): GPUStorage {
  return t.storage as GPUStorage;
}

/**
 * WGSL helpers for a workgroup tree reduction over `red: array<f32, RW>` (call with uniform control flow). Partners
 * at distance 1, 2, 4, … 32: the first three levels stay inside a block of 8 invocations, so with lane sharing
 * (8-lane subgroups of consecutive invocations, `rowReduction`) they are subgroup shuffles and the tree needs 2
 * barriers instead of 8, combining the same values in the same order (a + b = b + a exactly in floating point).
 */
const treeFn = (name: string, op: (a: string, b: string) => string): string => `
fn ${name}(t: u32, v: f32) -> f32 {
  red[t] = v;
  workgroupBarrier();
  for (var s = 1u; s < ${RW}u; s = s << 1u) {
    if ((t & (2u * s - 1u)) == 0u) { red[t] = ${op('red[t]', 'red[t + s]')}; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}`;

const treeLanesFn = (name: string, op: (a: string, b: string) => string): string => {
  const p = (i: number) => `red[${i}]`;
  const pairs = (xs: string[]): string => (xs.length === 1 ? xs[0]! : pairs(xs.flatMap((x, i) => (i % 2 === 0 ? [op(x, xs[i + 1]!)] : []))));
  return `
fn ${name}(t: u32, v: f32) -> f32 {
  var w = ${op('v', 'subgroupShuffleXor(v, 1u)')};
  w = ${op('w', 'subgroupShuffleXor(w, 2u)')};
  w = ${op('w', 'subgroupShuffleXor(w, 4u)')};
  if ((t & 7u) == 0u) { red[t >> 3u] = w; }
  workgroupBarrier();
  let r = ${pairs([...Array(RW / 8).keys()].map(p))};
  workgroupBarrier();
  return r;
}`;
};

const sum = (a: string, b: string) => `(${a} + ${b})`;
const mx = (a: string, b: string) => `max(${a}, ${b})`;

/** The tree reduction helpers without lane sharing. */
export const TREE = /* wgsl */ `
var<workgroup> red: array<f32, ${RW}>;${treeFn('tree_sum', sum)}${treeFn('tree_max', mx)}
`;

/**
 * A row kernel's reduction helpers for a runtime: `head` opens the module (the subgroups enable where lanes are
 * shared), `tree` declares tree_sum / tree_max, `key` tells the pipelines apart.
 */
export function rowReduction(share: boolean): { head: string; tree: string; key: string } {
  if (!share) return { head: '', tree: TREE, key: '' };
  return {
    head: LANE_SHARING_ENABLE,
    tree: `
var<workgroup> red: array<f32, ${RW}>;${treeLanesFn('tree_sum', sum)}${treeLanesFn('tree_max', mx)}
`,
    key: ':lanes',
  };
}

/** mx and s of row `base` (length `D`) for invocation t; needs TREE and EXP_SHIFTED. */
export const ROW_STATS = (xs: string, D: string): string => `  var mx = ${xs}[base];
  for (var j = t; j < ${D}; j = j + ${RW}u) { mx = max(mx, ${xs}[base + j]); }
  mx = tree_max(t, mx);
  var s = 0.0;
  for (var j = t; j < ${D}; j = j + ${RW}u) { s = s + exp_shifted(${xs}[base + j], mx); }
  s = tree_sum(t, s);`;

export const ROW_MAIN = (body: string): string => `@compute @workgroup_size(${RW})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= m(0u)) { return; }
${body}
}`;
