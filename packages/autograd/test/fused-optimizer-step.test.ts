/**
 * The fused optimizer path (the `adamUpdate` and `sumOfSquares` kernels, `step` / `scaleOf`, optimizerStep's use
 * of them) against the same formulas written as plain elementwise ops, on the cpu device: every operation rounds
 * to f32 in the same order, so the results are equal bit for bit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import { adamw, applyUpdates, chain, clipByGlobalNorm, decayUnlessNameContains, globalNormScale, optimizerStep, type GradientTransformation } from '../src/index.js';

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

const values = (n: number, seed: number, scale = 1) => Array.from({ length: n }, (_, i) => scale * Math.sin(seed * 12.9898 + i * 78.233));

/** torch.optim.AdamW after clip_grad_norm_, as elementwise ops (the optimizer's formula before it was fused). */
function reference(params: Record<string, T.Tensor>, grads: Record<string, T.Tensor>, m: Record<string, T.Tensor>, v: Record<string, T.Tensor>, t: number, lr: number, wd: number, decays: (k: string) => boolean, maxNorm: number) {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  const total = T.sumOfSquares(Object.values(grads));
  const scale = T.minimum(T.div(maxNorm, T.add(T.sqrt(total), 1e-6)), 1);
  const out: Record<string, { p: T.Tensor; m: T.Tensor; v: T.Tensor }> = {};
  for (const k of Object.keys(params)) {
    const g = T.mul(grads[k]!, scale);
    const mu = T.add(T.mul(m[k]!, b1), T.mul(g, 1 - b1));
    const nu = T.add(T.mul(v[k]!, b2), T.mul(T.square(g), 1 - b2));
    const step = T.mul(T.div(mu, T.add(T.div(T.sqrt(nu), Math.sqrt(1 - b2 ** t)), eps)), -(lr / (1 - b1 ** t)));
    const u = decays(k) ? T.sub(step, T.mul(params[k]!, lr * wd)) : step;
    out[k] = { p: T.add(params[k]!, u), m: mu, v: nu };
  }
  return out;
}

describe('fused AdamW step', () => {
  it('chain(clip, adamw) through optimizerStep equals the elementwise formula exactly, step after step', async () => {
    const shapes = { 'blocks.0.att_proj.weight': [6, 4], 'blocks.0.attn_norm.weight': [4], 'wte.weight': [5, 4] };
    let params: Record<string, T.Tensor> = Object.fromEntries(Object.entries(shapes).map(([k, s], i) => [k, T.tensor(values(s[0]! * (s[1] ?? 1), i + 1), s)]));
    const mask = decayUnlessNameContains(['norm']);
    const opt = chain(clipByGlobalNorm(0.5), adamw(0.05, { weightDecay: 0.1, mask })) as GradientTransformation<unknown[]>;
    expect(opt.step).toBeDefined();
    let state = opt.init(params);
    let ref = Object.fromEntries(Object.keys(params).map((k) => [k, { p: T.keep(T.add(params[k]!, 0)), m: T.zerosLike(params[k]!), v: T.zerosLike(params[k]!) }]));
    const decays = mask;
    for (let t = 1; t <= 3; t++) {
      const grads = Object.fromEntries(Object.entries(shapes).map(([k, s], i) => [k, T.tensor(values(s[0]! * (s[1] ?? 1), 10 * t + i, 3), s)]));
      const refGrads = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, T.add(g, 0)]));
      const next = reference(
        Object.fromEntries(Object.entries(ref).map(([k, r]) => [k, r.p])), refGrads,
        Object.fromEntries(Object.entries(ref).map(([k, r]) => [k, r.m])), Object.fromEntries(Object.entries(ref).map(([k, r]) => [k, r.v])),
        t, 0.05, 0.1, decays, 0.5,
      );
      const r = optimizerStep(opt, params, grads, state);
      params = r.params;
      state = r.state;
      ref = next;
      for (const k of Object.keys(shapes)) {
        expect(Array.from(await params[k]!.data()), `${k} after step ${t}`).toEqual(Array.from(await ref[k]!.p.data()));
      }
    }
    // Without the mask the norm weight would have moved differently: the mask reached the kernel.
    expect([mask('blocks.0.att_proj.weight'), mask('blocks.0.attn_norm.weight')]).toEqual([true, false]);
  });

  it('step (update and apply in one kernel) equals update followed by applyUpdates exactly', async () => {
    const params = { a: T.tensor(values(7, 3), [7]), b: T.tensor(values(3, 4), [3]) };
    const grads = { a: T.tensor(values(7, 5, 2), [7]), b: T.tensor(values(3, 6, 2), [3]) };
    const opt = adamw(0.01, { weightDecay: 0.05 });
    const state = opt.init(params);
    const fused = opt.step!(grads, state, params);
    const { updates } = opt.update(grads, state, params);
    const plain = applyUpdates(params, updates);
    for (const k of ['a', 'b'] as const) expect(Array.from(await fused.params[k].data())).toEqual(Array.from(await plain[k].data()));
    expect((fused.state as { count: number }).count).toBe(1);
  });

  it('clipByGlobalNorm.scaleOf is the factor update multiplies by', async () => {
    const g = { x: T.tensor([3, 4], [2]), y: T.tensor([12], [1]) }; // ‖g‖ = 13
    const clip = clipByGlobalNorm(1);
    const { scale } = clip.scaleOf!(g, clip.init(g));
    expect((await scale.data())[0]).toBeCloseTo(1 / (13 + 1e-6), 7);
    const { updates } = clip.update(g, clip.init(g));
    expect(Array.from(await updates.x.data())).toEqual(Array.from(await T.mul(g.x, scale).data()));
  });

  it("adamUpdate's clip (a squared norm in, the factor formed in the kernel) equals globalNormScale's factor exactly", async () => {
    const g = T.tensor(values(9, 7, 3), [9]);
    const [m, v, p] = [T.tensor(values(9, 8), [9]), T.square(T.tensor(values(9, 9), [9])), T.tensor(values(9, 10), [9])];
    const base = { b1: 0.9, b2: 0.999, eps: 1e-8, stepSize: 0.01, sqrtBc2: 0.05, decay: 0.001, param: p, apply: true };
    const clipped = T.adamUpdate(g, m, v, { ...base, clip: { normSq: T.sumOfSquares([g]), maxNorm: 0.7 } });
    const scaled = T.adamUpdate(g, m, v, { ...base, scale: globalNormScale([g], 0.7) });
    for (const k of ['m', 'v', 'update'] as const) expect(Array.from(await clipped[k].data())).toEqual(Array.from(await scaled[k].data()));
    expect(() => T.adamUpdate(g, m, v, { ...base, scale: T.tensor([1], [1]), clip: { normSq: T.tensor([1], [1]), maxNorm: 1 } })).toThrow(/scale or clip/);
  });

  it('adamUpdate and sumOfSquares refuse bad inputs with the op and the shapes', () => {
    const g = T.tensor([1, 2], [2]);
    expect(() => T.adamUpdate(g, T.tensor([1, 2, 3], [3]), g, { b1: 0.9, b2: 0.999, eps: 1e-8, stepSize: 1, sqrtBc2: 1 })).toThrow(/adamUpdate.*m \[3\].*\[2\]/);
    expect(() => T.adamUpdate(g, g, g, { b1: 0.9, b2: 0.999, eps: 1e-8, stepSize: 1, sqrtBc2: 1, decay: 0.1 })).toThrow(/param is needed/);
    expect(() => T.sumOfSquares([])).toThrow(/at least one/);
    expect(() => T.sumOfSquares([T.tensor([1], [1], 'i32')])).toThrow(/f32/);
  });
});
