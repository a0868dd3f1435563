import { beforeAll, describe, expect, it } from 'vitest';
import { dispose, gather, key, memory, tensor, type Tensor } from '@mmada/tensor';
import { initTestDevice } from '../../../tests/support/devices.js';
import { valueAndGrad } from '@mmada/autograd';
import { maskedAnswerLogLikelihood, pretrainingLoss, sftLoss } from '../src/index.js';

beforeAll(async () => {
  await initTestDevice();
});

const softmax = (row: number[]) => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const z = e.reduce((a, c) => a + c, 0);
  return e.map((v) => v / z);
};

describe('losses are differentiable', () => {
  it('pretraining loss: ∂L/∂logits = (softmax − onehot)/(p·B·L) at masked positions, 0 elsewhere', async () => {
    const logitsData = [0.3, -1, 2, 0.5, 1, 1, -0.2, 0.1, 0, 0.7, 0.2, -0.4];
    const logits = tensor(logitsData, [1, 3, 4]);
    const targets = tensor([[2, 0, 3]], [1, 3], 'i32');
    const masked = tensor([[1, 0, 1]], [1, 3], 'bool');
    const p = tensor([0.4], [1]);
    const before = memory();
    const { value, grads } = await valueAndGrad((l: Tensor) => pretrainingLoss({ logits: l, targets, masked, p }).loss)(logits);
    const g = Array.from(await grads.data());
    const t = [2, 0, 3];
    for (let i = 0; i < 3; i++) {
      const s = softmax(logitsData.slice(i * 4, i * 4 + 4));
      for (let v = 0; v < 4; v++) {
        const expected = i === 1 ? 0 : (s[v]! - (v === t[i] ? 1 : 0)) / (0.4 * 3);
        expect(g[i * 4 + v]).toBeCloseTo(expected, 5);
      }
    }
    expect(await value.item()).toBeGreaterThan(0);
    dispose([value, grads]);
    expect(memory()).toEqual(before);
    dispose([logits, targets, masked, p]);
  });

  it('through a predictor: SFT loss and the UniGRPO estimator give gradients to the predictor’s table', async () => {
    const V = 5;
    const table = tensor(Array.from({ length: V * V }, (_, i) => Math.sin(i)), [V, V]);
    const ids = tensor([[0, 1, 2, 3]], [1, 4], 'i32');
    const noisy = tensor([[0, 4, 2, 4]], [1, 4], 'i32');
    const masked = tensor([[0, 1, 0, 1]], [1, 4], 'bool');
    const promptMask = tensor([[1, 0, 0, 0]], [1, 4], 'bool');
    const p = tensor([0.5], [1]);
    const sft = await valueAndGrad((w: Tensor) => sftLoss({ logits: gather(w, noisy, 0), targets: ids, masked, p, promptMask }).loss)(table);
    const gs = Array.from(await sft.grads.data());
    // Only the MASK row (id 4) of the table feeds masked positions.
    expect(gs.slice(0, 4 * V).every((v) => v === 0)).toBe(true);
    expect(gs.slice(4 * V).some((v) => v !== 0)).toBe(true);
    const uni = await valueAndGrad(async (w: Tensor) => {
      const r = await maskedAnswerLogLikelihood((x) => gather(w, x, 0), ids, { answerMask: masked, masked, maskId: 4, key: key(0) });
      return r.sequenceLogProb;
    })(table);
    // ∂/∂table[4, v] of mean(ℓ at positions 1 and 3) = ½·Σ_positions (onehot(target) − softmax(table[4]))[v].
    const s = softmax(Array.from({ length: V }, (_, v) => Math.sin(4 * V + v)));
    const gu = Array.from(await uni.grads.data()).slice(4 * V);
    gu.forEach((g, v) => expect(g).toBeCloseTo(0.5 * ((v === 1 ? 1 : 0) + (v === 3 ? 1 : 0) - 2 * s[v]!), 5));
    dispose([sft, uni, table, ids, noisy, masked, promptMask, p]);
  });
});
