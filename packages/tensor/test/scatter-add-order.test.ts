/**
 * putAlongAxis on webgpu is deterministic with duplicate indices: 'add' sums the values bound for one element in
 * f32 in index order (so a gather's gradient, e.g. an embedding's, is the same bit for bit run after run), and 'set'
 * keeps the last write in index order, as the cpu device does. Values of mixed magnitudes make the f32 sum depend on
 * its order, so a kernel that adds in the order threads happen to run fails the exact comparison.
 */
import { expect, it } from 'vitest';
import * as T from '../src/index.js';
import { describeOnDevices } from '../../../tests/support/devices.js';
import { rng } from '../../../tests/support/rng.js';

/** P lines × N indices into A slots × Q inner elements, indices in 0..A-1 (many duplicates), values ±[1e-3, 1e3]. */
function inputs(seed: number, P: number, N: number, A: number, Q: number) {
  const r = rng(seed);
  const idx = Int32Array.from({ length: P * N * Q }, () => Math.floor(r() * A));
  const vals = Float32Array.from({ length: P * N * Q }, () => (r() < 0.5 ? -1 : 1) * 10 ** (6 * r() - 3));
  return { idx, vals };
}

describeOnDevices(['webgpu'], 'putAlongAxis with duplicate indices', (device) => {
  it("'add' equals the f32 sum in index order, bit for bit, on every run", async () => {
    // axis 1 of [P, A, Q]; the embedding-gradient shape (axis 0, one index per row of Q) is the case P = 1
    for (const [P, N, A, Q] of [[1, 16000, 8, 64], [3, 700, 4, 5]] as const) {
      const { idx, vals } = inputs(P + N, P, N, A, Q);
      const want = new Float32Array(P * A * Q);
      for (let p = 0; p < P; p++)
        for (let n = 0; n < N; n++)
          for (let q = 0; q < Q; q++) {
            const e = (p * N + n) * Q + q;
            const t = (p * A + idx[e]!) * Q + q;
            want[t] = Math.fround(want[t]! + vals[e]!);
          }
      for (let run = 0; run < 3; run++) {
        const got = await T.scope(async () => {
          const x = T.zeros([P, A, Q], 'f32', { device });
          const i = T.tensor(idx, [P, N, Q], 'i32', { device });
          const v = T.tensor(vals, [P, N, Q], 'f32', { device });
          return T.scatterAdd(x, i, v, 1).data();
        });
        expect(Array.from(got)).toEqual(Array.from(want));
      }
    }
  });

  it("'set' keeps the last value in index order, as the cpu device", async () => {
    const [P, N, A, Q] = [1, 16000, 8, 64];
    const { idx, vals } = inputs(11, P, N, A, Q);
    const on = (d: T.DeviceName) => T.scope(async () =>
      T.scatter(T.zeros([P, A, Q], 'f32', { device: d }), T.tensor(idx, [P, N, Q], 'i32', { device: d }), T.tensor(vals, [P, N, Q], 'f32', { device: d }), 1).data());
    const want = Array.from(await on('cpu'));
    for (let run = 0; run < 3; run++) expect(Array.from(await on(device))).toEqual(want);
  });
});
