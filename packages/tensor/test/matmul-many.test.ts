/**
 * matmulMany against single matmuls (the grouped results are the same products), its argument checks, and on
 * webgpu that a model's groupings really are one dispatch each.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { describeOnDevices } from '../../../tests/support/devices.js';
import { expectClose } from '../../../tests/support/expect-close.js';
import { rng, uniformTensor } from '../../../tests/support/rng.js';

// the values on cpu (the webgpu kernels are checked against this cpu kernel in webgpu-kernels.test.ts)
describeOnDevices(['cpu'], 'matmulMany', (device) => {
  const r = rng(41);
  const u = (shape: number[]) => uniformTensor(r, shape, 2, -1, device);
  const tol = { atol: 1e-5, rtol: 1e-5 };

  it("'sharedA': [op(a)·op(b_i)], every layout", async () => {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a = u(tA ? [8, 12] : [12, 8]);
      const bs = [4, 8, 5].map((n) => u(tB ? [n, 8] : [8, n]));
      const ys = T.matmulMany('sharedA', [a], bs, { transA: tA, transB: tB });
      expect(ys.map((y) => y.shape)).toEqual([[12, 4], [12, 8], [12, 5]]);
      for (let i = 0; i < 3; i++) await expectClose(ys[i]!, T.matmul(a, bs[i]!, { transA: tA, transB: tB }), tol);
    }
  });

  it("'sharedB': [op(a_i)·op(b)], every layout", async () => {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const as = [16, 8, 3].map((m) => u(tA ? [6, m] : [m, 6]));
      const b = u(tB ? [4, 6] : [6, 4]);
      const ys = T.matmulMany('sharedB', as, [b], { transA: tA, transB: tB });
      expect(ys.map((y) => y.shape)).toEqual([[16, 4], [8, 4], [3, 4]]);
      for (let i = 0; i < 3; i++) await expectClose(ys[i]!, T.matmul(as[i]!, b, { transA: tA, transB: tB }), tol);
    }
  });

  it("'sum': Σ op(a_i)·op(b_i) + addend, every layout", async () => {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const ks = [8, 4, 7];
      const as = ks.map((k) => u(tA ? [k, 5] : [5, k]));
      const bs = ks.map((k) => u(tB ? [6, k] : [k, 6]));
      const c = u([5, 6]);
      const [y] = T.matmulMany('sum', as, bs, { transA: tA, transB: tB, addend: c });
      let want = c;
      for (let i = 0; i < 3; i++) want = T.add(want, T.matmul(as[i]!, bs[i]!, { transA: tA, transB: tB }));
      await expectClose(y!, want, tol);
    }
  });

  it('more products than one pass takes, integer and half operands, and one product give the same results', async () => {
    const a = u([9, 8]);
    const ws = [8, 4, 12, 8, 4].map((n) => u([n, 8]));
    const ys = T.matmulMany('sharedA', [a], ws, { transB: true });
    for (let i = 0; i < 5; i++) await expectClose(ys[i]!, T.matmul(a, ws[i]!, { transB: true }), tol);
    const [s] = T.matmulMany('sum', ws.map((w) => T.transpose(w, [1, 0])), ws, {});
    let want = T.matmul(ws[0]!, ws[0]!, { transA: true });
    for (let i = 1; i < 5; i++) want = T.add(want, T.matmul(ws[i]!, ws[i]!, { transA: true }));
    await expectClose(s!, want, { atol: 1e-4, rtol: 1e-5 });
    const ints = T.tensor(Int32Array.from({ length: 12 }, (_, i) => i - 6), [3, 4], 'i32', { device });
    const half = T.cast(u([4, 2]), 'f16');
    const w = u([4, 2]);
    const [yi, yh] = T.matmulMany('sharedA', [ints], [w, half]);
    await expectClose(yi!, T.matmul(ints, w), tol);
    await expectClose(yh!, T.matmul(ints, half), tol);
    const [one] = T.matmulMany('sharedB', [a], [u([8, 3])]);
    expect(one!.shape).toEqual([9, 3]);
  });

  it('names the bad argument', () => {
    const a = u([4, 8]);
    expect(() => T.matmulMany('sharedA', [a, a], [a], { transB: true })).toThrow(/matmulMany.*'sharedA' takes one left operands, got 2/);
    expect(() => T.matmulMany('sharedA', [a], [u([8, 3, 1])])).toThrow(/matmulMany.*2-D/);
    expect(() => T.matmulMany('sharedA', [a], [u([7, 3])])).toThrow(/inner dims differ: \[4, 8\] x \[7, 3\]/);
    expect(() => T.matmulMany('sum', [a, a], [u([8, 3])])).toThrow(/as many left as right/);
    expect(() => T.matmulMany('sum', [a, a], [u([8, 3]), u([8, 2])])).toThrow(/one shape, got \[4, 3\], \[4, 2\]/);
    expect(() => T.matmulMany('sum', [a], [u([8, 3])], { addend: u([3, 4]) })).toThrow(/addend must be f32 of the result's shape \[4, 3\]/);
    expect(() => T.matmulMany('sharedB', [a], [u([8, 3])], { addend: u([4, 3]) })).toThrow(/only taken by 'sum'/);
  });
});

describeOnDevices(['webgpu'], 'matmulMany dispatches', (device) => {
  it('a q/k/v grouping and both of its gradients are one dispatch each', async () => {
    const r = rng(5);
    const x = uniformTensor(r, [64, 32], 2, -1, device);
    const ws = [0, 1, 2].map(() => uniformTensor(r, [32, 32], 2, -1, device));
    const cts = [0, 1, 2].map(() => uniformTensor(r, [64, 32], 2, -1, device));
    await T.sync(device);
    const count = async (f: () => T.Tensor[]) => {
      const { report } = await T.profile(async () => {
        const ys = f();
        await Promise.all(ys.map((y) => y.data()));
      }, { device: 'webgpu' });
      return report.deviceProfile!.kernels.filter((k) => k.key.startsWith('gemm:')).map((k) => [k.key.split(':')[1], k.dispatches]);
    };
    expect(await count(() => T.matmulMany('sharedA', [x], ws, { transB: true }))).toEqual([['matmulMany', 1]]);
    expect(await count(() => T.matmulMany('sum', cts, ws))).toEqual([['matmulMany', 1]]);
    expect(await count(() => T.matmulMany('sharedB', cts, [x], { transA: true }))).toEqual([['matmulMany', 1]]);
  });
});
