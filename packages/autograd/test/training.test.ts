import { describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import { adam, adamw, chain, clipByGlobalNorm, normalInit, optimizerStep, valueAndGrad, warmupCosine, weightDecayMask, zerosInit, onesInit } from '../src/index.js';

describe('end-to-end training', () => {
  it('a 2-layer MLP learns XOR', async () => {
    const [k1, k2] = T.split(T.key(1));
    let params = {
      l1: { weight: normalInit(1)(k1!, [2, 8]), bias: zerosInit()(k1!, [8]) },
      l2: { weight: normalInit(1)(k2!, [8, 1]), bias: zerosInit()(k2!, [1]) },
    };
    const x = T.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = T.tensor([[0], [1], [1], [0]]);
    const forward = (p: typeof params) => T.add(T.matmul(T.tanh(T.add(T.matmul(x, p.l1.weight), p.l1.bias)), p.l2.weight), p.l2.bias);
    // binary cross-entropy with logits: softplus(z) − y·z
    const loss = (p: typeof params) => {
      const z = forward(p);
      return T.mean(T.sub(T.logSumExp(T.concat([z, T.zerosLike(z)], 1), 1, { keepDims: true }), T.mul(y, z)));
    };
    const opt = adam(0.05);
    let state = opt.init(params);
    const vg = valueAndGrad(loss);
    let last = Infinity;
    for (let i = 0; i < 300; i++) {
      const { value, grads } = await vg(params);
      if (i === 299) last = await value.item();
      value.dispose();
      ({ params, state } = optimizerStep(opt, params, grads, state));
    }
    expect(last).toBeLessThan(0.05);
    const z = forward(params);
    expect(Array.from(await z.data()).map((v) => (v > 0 ? 1 : 0))).toEqual([0, 1, 1, 0]);
    T.dispose([params, state, x, y, z]);
  });

  it("a one-block transformer's loss decreases on a copy task", async () => {
    const V = 6; // tokens 0..4, 5 = MASK
    const MASK = 5;
    const L = 3; // copy [a b c] into [MASK MASK MASK]
    const D = 16;
    const H = 2;
    const B = 16;
    const keys = T.split(T.key(7), 8);
    const init = normalInit(0.2);
    let params = {
      embeddings: { weight: init(keys[0]!, [V, D]) },
      block: {
        attn_norm: { weight: onesInit()(keys[1]!, [D]) },
        wqkv: { weight: init(keys[2]!, [D, 3 * D]) },
        wo: { weight: init(keys[3]!, [D, D]) },
        mlp_norm: { weight: onesInit()(keys[1]!, [D]) },
        up: { weight: init(keys[4]!, [D, 2 * D]) },
        down: { weight: init(keys[5]!, [2 * D, D]) },
      },
      final_norm: { weight: onesInit()(keys[1]!, [D]) },
      lm_head: { weight: init(keys[6]!, [D, V]) },
    };
    const positions = T.arange(2 * L);
    const model = (p: typeof params, ids: T.Tensor) => {
      const x = T.embedding(p.embeddings.weight, ids); // [B, 2L, D]
      const h = T.rmsNorm(x, p.block.attn_norm.weight);
      const qkv = T.matmul(h, p.block.wqkv.weight);
      const heads = (i: number) => T.transpose(T.reshape(T.sliceAxis(qkv, -1, i * D, (i + 1) * D), [B, 2 * L, H, D / H]), [0, 2, 1, 3]);
      const [q, k, v] = [T.rope(heads(0), positions), T.rope(heads(1), positions), heads(2)];
      const a = T.reshape(T.transpose(T.attention(q, k, v), [0, 2, 1, 3]), [B, 2 * L, D]);
      const x2 = T.add(x, T.matmul(a, p.block.wo.weight));
      const m = T.matmul(T.gelu(T.matmul(T.rmsNorm(x2, p.block.mlp_norm.weight), p.block.up.weight)), p.block.down.weight);
      const x3 = T.add(x2, m);
      return T.matmul(T.rmsNorm(x3, p.final_norm.weight), p.lm_head.weight); // [B, 2L, V]
    };
    const loss = (p: typeof params, ids: T.Tensor, targets: T.Tensor) =>
      // mean over the B·L predicted positions (ignored ones give 0)
      T.div(T.sum(T.crossEntropy(T.reshape(model(p, ids), [B * 2 * L, V]), T.reshape(targets, [B * 2 * L]), { ignoreIndex: -100 })), B * L);
    const batch = (step: number) =>
      T.scopeSync(() => {
        const src = T.randint(T.foldIn(T.key(99), step), [B, L], 0, MASK);
        const ids = T.concat([src, T.full([B, L], MASK, 'i32')], 1);
        const targets = T.concat([T.full([B, L], -100, 'i32'), src], 1);
        return { ids, targets };
      });
    const steps = 100;
    const opt = chain(clipByGlobalNorm(1), adamw(warmupCosine({ peak: 3e-2, warmupSteps: 10, totalSteps: steps, minLrScale: 0.1 }), { mask: weightDecayMask(params) }));
    let state = opt.init(params);
    const vg = valueAndGrad(loss);
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      const { ids, targets } = batch(i);
      const { value, grads } = await vg(params, ids, targets);
      losses.push(await value.item());
      T.dispose([value, ids, targets]);
      ({ params, state } = optimizerStep(opt, params, grads, state));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const start = mean(losses.slice(0, 10));
    const end = mean(losses.slice(-10));
    console.log(`copy task loss: first 10 steps ${start.toFixed(3)}, last 10 ${end.toFixed(3)}`);
    expect(start).toBeGreaterThan(1.2); // ≈ ln 5 at chance
    expect(end).toBeLessThan(0.25 * start);
    T.dispose([params, state, positions]);
  });
});
