import { describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import {
  adam, adamw, applyUpdates, chain, clipByGlobalNorm, decayedPaths, decayUnlessNameContains, linearWarmup, sgd, warmupCosine,
  weightDecayMask, constantSchedule, type GradientTransformation,
} from '../src/index.js';

/** Runs an optimizer on fixed gradient sequences (one per step) and returns the parameter values after each step. */
async function run<S>(opt: GradientTransformation<S>, params: Record<string, T.Tensor>, gradSeq: number[][]): Promise<Record<string, number[]>[]> {
  let state = opt.init(params);
  let p = params;
  const history: Record<string, number[]>[] = [];
  for (const g of gradSeq) {
    const grads = Object.fromEntries(Object.keys(p).map((k) => [k, T.tensor(g)]));
    const { updates, state: next } = opt.update(grads, state, p);
    const np = applyUpdates(p, updates);
    T.dispose([grads, updates, state, p]);
    state = next;
    p = np;
    const snap: Record<string, number[]> = {};
    for (const [k, v] of Object.entries(p)) snap[k] = Array.from(await v.data());
    history.push(snap);
  }
  T.dispose([p, state]);
  return history;
}

describe('optimizers', () => {
  it('AdamW matches a hand-worked two-step example (torch.optim.AdamW formula)', async () => {
    // lr 0.1, λ 0.1, β (0.9, 0.999), ε 1e-8; p0 = 1; gradients 0.5 then −1. 'w' decays, 'bias' is masked out.
    // step 1 (t=1): decay p = 1 − 0.1·0.1·1 = 0.99
    //   m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025, bc1 = 0.1, bc2 = 0.001
    //   denom = √0.00025/√0.001 + 1e-8 = 0.5 + 1e-8, step = (0.1/0.1)·0.05/denom = 0.099999998
    //   w = 0.99 − 0.099999998 = 0.890000002;   bias = 1 − 0.099999998 = 0.900000002
    // step 2 (t=2): decay w = 0.890000002·0.99 = 0.88110000198
    //   m = 0.9·0.05 − 0.1 = −0.055, v = 0.999·0.00025 + 0.001·1 = 0.00124975, bc1 = 0.19, bc2 = 0.001999
    //   denom = √0.00124975/√0.001999 + 1e-8 = 0.790688071, step = (0.1/0.19)·(−0.055)/denom = −0.0366103522
    //   w = 0.88110000198 + 0.0366103522 = 0.9177103542;   bias = 0.900000002 + 0.0366103522 = 0.9366103542
    const params = { w: T.tensor([1]), bias: T.tensor([1]) };
    const opt = adamw(0.1, { weightDecay: 0.1, mask: weightDecayMask(params) });
    const h = await run(opt, params, [[0.5], [-1]]);
    expect(h[0]!.w![0]).toBeCloseTo(0.890000002, 6);
    expect(h[0]!.bias![0]).toBeCloseTo(0.900000002, 6);
    expect(h[1]!.w![0]).toBeCloseTo(0.9177103542, 6);
    expect(h[1]!.bias![0]).toBeCloseTo(0.9366103542, 6);
  });

  it('Adam is AdamW without decay; a schedule gives the lr per step', async () => {
    const h = await run(adam(0.1), { w: T.tensor([1]) }, [[0.5], [-1]]);
    expect(h[1]!.w![0]).toBeCloseTo(1 - 0.099999998 + 0.0366103522, 6);
    // lr(0) = 0 then 0.1: the first step does nothing
    const s = await run(adam((step) => (step === 0 ? 0 : 0.1)), { w: T.tensor([1]) }, [[0.5], [0.5]]);
    expect(s[0]!.w![0]).toBe(1);
    expect(s[1]!.w![0]).toBeLessThan(1);
  });

  it('SGD: plain, momentum, nesterov (PyTorch formulas)', async () => {
    const plain = await run(sgd(0.1), { w: T.tensor([1]) }, [[1], [2]]);
    expect(plain.map((h) => h.w![0])).toEqual([expect.closeTo(0.9, 6), expect.closeTo(0.7, 6)]);
    // b1 = 1, b2 = 0.9·1 + 2 = 2.9: p = 1 − 0.1 − 0.29 = 0.61
    const mom = await run(sgd(0.1, { momentum: 0.9 }), { w: T.tensor([1]) }, [[1], [2]]);
    expect(mom[1]!.w![0]).toBeCloseTo(0.61, 6);
    // nesterov: d1 = 1 + 0.9·1 = 1.9, d2 = 2 + 0.9·2.9 = 4.61: p = 1 − 0.19 − 0.461 = 0.349
    const nes = await run(sgd(0.1, { momentum: 0.9, nesterov: true }), { w: T.tensor([1]) }, [[1], [2]]);
    expect(nes[1]!.w![0]).toBeCloseTo(0.349, 6);
  });

  it('clipByGlobalNorm scales every leaf by maxNorm / (‖g‖ + 1e-6) when above, and chains', async () => {
    const clip = clipByGlobalNorm(1);
    const grads = { a: T.tensor([3, 0]), b: T.tensor([4]) }; // ‖g‖ = 5
    const { updates } = clip.update(grads, clip.init(grads));
    const scale = 1 / (5 + 1e-6);
    expect(Array.from(await updates.a.data())[0]).toBeCloseTo(3 * scale, 6);
    expect(Array.from(await updates.b.data())[0]).toBeCloseTo(4 * scale, 6);
    const small = { a: T.tensor([0.3, 0]), b: T.tensor([0.4]) };
    const kept = clip.update(small, {});
    expect(Array.from(await kept.updates.b.data())[0]).toBeCloseTo(0.4, 6);
    const h = await run(chain(clipByGlobalNorm(1), sgd(1)), { w: T.tensor([0]) }, [[10]]);
    expect(h[0]!.w![0]).toBeCloseTo(-1, 5);
    T.dispose([grads, updates, small, kept.updates]);
  });

  it('the weight-decay mask follows upstream names', () => {
    const p = {
      model: {
        embeddings: { weight: T.zeros([2]) },
        blocks: [{ attn: { weight: T.zeros([2]), bias: T.zeros([2]) }, layer_norm: { weight: T.zeros([2]) } }],
        mlm_ln: { weight: T.zeros([2]) },
        lm_head: { weight: T.zeros([2]) },
      },
      step: 3,
    };
    expect(decayedPaths(p, weightDecayMask(p))).toEqual(['model.blocks.0.attn.weight', 'model.lm_head.weight']);
    expect(decayedPaths(p, decayUnlessNameContains(['lm_head']))).toHaveLength(5);
    T.dispose(p);
  });

  it('schedules: constant, linear warmup, warmup + cosine with a floor', () => {
    expect(constantSchedule(3)(100)).toBe(3);
    const w = linearWarmup(1, 4);
    expect([0, 1, 2, 4, 10].map(w)).toEqual([0, 0.25, 0.5, 1, 1]);
    const c = warmupCosine({ peak: 1, warmupSteps: 10, totalSteps: 110, minLrScale: 0.1 });
    expect(c(5)).toBeCloseTo(0.5, 12);
    expect(c(10)).toBeCloseTo(1, 12);
    expect(c(60)).toBeCloseTo(0.1 + 0.9 * 0.5, 12); // progress ½: cos(π/2) = 0
    expect(c(110)).toBeCloseTo(0.1, 12);
    expect(c(500)).toBeCloseTo(0.1, 12);
  });
});
