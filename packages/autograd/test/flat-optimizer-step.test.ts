/**
 * AdamW over every parameter in one flat buffer (adamw's `step` when all leaves are f32) against one `adamUpdate`
 * per leaf, the path it replaced, on each device: the same updates step after step; the parameters and moments it
 * returns are views that the next step reuses without copying; memory is released as the views are.
 */
import { expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import { adamw, chain, clipByGlobalNorm, decayUnlessNameContains, optimizerStep, type GradientTransformation } from '../src/index.js';
import { describeOnDevices } from '../../../tests/support/devices.js';

const values = (n: number, seed: number, scale = 1) => Array.from({ length: n }, (_, i) => scale * Math.sin(seed * 12.9898 + i * 78.233));
const SHAPES: Record<string, number[]> = { 'blocks.0.q_proj.weight': [6, 4], 'blocks.0.attn_norm.weight': [4], 'wte.weight': [70, 3], 'blocks.0.ff_out.weight': [3, 5] };
const decays = decayUnlessNameContains(['norm']);

/** The per-leaf path: clip factor, then one adamUpdate per parameter (what adamw's step did for each f32 leaf). */
function perLeaf(p: Record<string, T.Tensor>, g: Record<string, T.Tensor>, m: Record<string, T.Tensor>, v: Record<string, T.Tensor>, t: number) {
  const [lr, wd] = [0.05, 0.1];
  const scale = T.minimum(T.div(0.5, T.add(T.sqrt(T.sumOfSquares(Object.values(g))), 1e-6)), 1);
  const out: Record<string, { p: T.Tensor; m: T.Tensor; v: T.Tensor }> = {};
  for (const k of Object.keys(p)) {
    const r = T.adamUpdate(g[k]!, m[k]!, v[k]!, {
      b1: 0.9, b2: 0.999, eps: 1e-8, stepSize: lr / (1 - 0.9 ** t), sqrtBc2: Math.sqrt(1 - 0.999 ** t),
      decay: decays(k) ? lr * wd : 0, param: p[k], scale, apply: true,
    });
    out[k] = { p: r.update, m: r.m, v: r.v };
  }
  return out;
}

describeOnDevices(['cpu', 'webgpu'], 'flat AdamW step', (device) => {
  it('equals one adamUpdate per leaf within 1e-6, step after step, and reuses its packed buffers', async () => {
    const tensor = (data: number[], shape: number[]) => T.tensor(data, shape, 'f32', { device });
    const before = T.memory().tensors;
    let params: Record<string, T.Tensor> = Object.fromEntries(Object.entries(SHAPES).map(([k, s], i) => [k, tensor(values(s.reduce((a, b) => a * b), i + 1), s)]));
    const opt = chain(clipByGlobalNorm(0.5), adamw(0.05, { weightDecay: 0.1, mask: decays })) as GradientTransformation<unknown[]>;
    let state = opt.init(params);
    let ref = Object.fromEntries(Object.keys(SHAPES).map((k) => [k, { p: T.add(params[k]!, 0), m: T.zerosLike(params[k]!), v: T.zerosLike(params[k]!) }]));
    const packs: number[] = [];
    for (let t = 1; t <= 3; t++) {
      const grads = Object.fromEntries(Object.entries(SHAPES).map(([k, s], i) => [k, tensor(values(s.reduce((a, b) => a * b), 10 * t + i, 3), s)]));
      const next = T.scopeSync(() =>
        perLeaf(
          Object.fromEntries(Object.entries(ref).map(([k, r]) => [k, r.p])), grads,
          Object.fromEntries(Object.entries(ref).map(([k, r]) => [k, r.m])), Object.fromEntries(Object.entries(ref).map(([k, r]) => [k, r.v])), t,
        ),
      );
      T.dispose(ref);
      ref = next;
      let packed = 0;
      const off = T.onPrimitive((e) => void (e.prim === 'packFlat' && packed++));
      const r = optimizerStep(opt, params, grads, state);
      off();
      packs.push(packed);
      params = r.params;
      state = r.state;
      const [, adam] = state as [unknown, { mu: Record<string, T.Tensor>; nu: Record<string, T.Tensor> }];
      for (const k of Object.keys(SHAPES)) {
        expect(params[k]!.shape, k).toEqual(SHAPES[k]);
        const close = async (a: T.Tensor, b: T.Tensor, what: string) => {
          const [x, y] = [await a.data(), await b.data()];
          for (let i = 0; i < y.length; i++) expect(Math.abs(x[i]! - y[i]!), `${what} ${k}[${i}] after step ${t}`).toBeLessThanOrEqual(1e-6);
        };
        await close(params[k]!, ref[k]!.p, 'param');
        await close(adam.mu[k]!, ref[k]!.m, 'm');
        await close(adam.nu[k]!, ref[k]!.v, 'v');
      }
    }
    // Step 1 packs gradients, parameters and both moments; later steps only the gradients.
    expect(packs).toEqual([4, 1, 1]);
    T.dispose([params, state, ref]);
    expect(T.memory().tensors).toBe(before);
  });

  it('packFlat of views at their own layout shares memory; otherwise it copies with zeros between segments', async () => {
    const layout = T.flatLayout([3, 0, 65]);
    expect(layout).toEqual({ offsets: [0, 64, 128], sizes: [3, 0, 65], total: 256 });
    const xs = [T.tensor([1, 2, 3], [3], 'f32', { device }), T.zeros([0], 'f32', { device }), T.arange(0, 65, 1, 'f32', { device })];
    const flat = T.packFlat(xs, layout);
    const data = await flat.data();
    expect(Array.from(data.slice(0, 4))).toEqual([1, 2, 3, 0]);
    expect(data[128 + 64]).toBe(64);
    expect(data[255]).toBe(0);
    const views = T.flatViews(flat, layout, [[3], [0], [5, 13]]);
    flat.dispose(); // the views keep the buffer
    expect(Array.from(await views[2]!.data()).slice(60)).toEqual([60, 61, 62, 63, 64]);
    expect(Array.from(await T.add(views[0]!, 1).data())).toEqual([2, 3, 4]);
    let dispatched = 0;
    const off = T.onPrimitive(() => void dispatched++);
    const again = T.packFlat(views, layout);
    off();
    expect(dispatched).toBe(0);
    expect(Array.from(await again.data())).toEqual(Array.from(data));
    // Views in another order are not this layout: a copy.
    const reordered = T.flatLayout([65, 0, 3]);
    expect(reordered.offsets).toEqual([0, 128, 192]);
    const copied = await T.packFlat([views[2]!, views[1]!, views[0]!], reordered).data();
    expect(Array.from(copied.slice(63, 67))).toEqual([63, 64, 0, 0]);
    expect(Array.from(copied.slice(190, 196))).toEqual([0, 0, 1, 2, 3, 0]);
    expect(() => T.packFlat([xs[0]!], layout)).toThrow(/packFlat.*one tensor per segment/);
    expect(() => T.flatViews(again, layout, [[3], [0], [64]])).toThrow(/flatViews.*\[64\]/);
  });
});
