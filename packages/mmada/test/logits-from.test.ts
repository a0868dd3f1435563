/**
 * Logits for the answer positions only: maskPredictorForward's logitsFrom gives the last T − from rows of the full
 * logits, and sftBatchLoss with logitsFrom (the shortest prompt) gives the loss and gradients of the full pass.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { valueAndGrad } from '@mmada/autograd';
import { maskIndependently } from '@mmada/diffusion';
import { deviceFromEnv, init, key, sliceAxis, tensor } from '@mmada/tensor';
import { createModel, flattenParameters, maskPredictorForward, MODEL_ZOO, sftBatchLoss, type MaskPredictorParameters } from '@mmada/mmada';
import { expectClose } from '../../../tests/support/expect-close.js';

const config = { ...MODEL_ZOO['mmada-tiny'], nLayers: 1 };
let device: 'cpu' | 'webgpu';
beforeAll(async () => {
  device = await init({ device: deviceFromEnv() ?? 'cpu' });
});

const ids = () => tensor(Array.from({ length: 2 * 10 }, (_, i) => 3 + ((i * 37) % 200)), [2, 10], 'i32', { device });

describe('logitsFrom', () => {
  it('gives the later positions of the full logits, and refuses a start outside the row', async () => {
    const model = createModel(config, key(1), { device });
    const x = ids();
    const full = maskPredictorForward(model.params, config, x);
    const part = maskPredictorForward(model.params, config, x, { logitsFrom: 4 });
    expect(part.shape).toEqual([2, 6, config.embeddingSize]);
    await expectClose(part, sliceAxis(full, 1, 4, 10), { atol: 1e-6, rtol: 1e-6 });
    expect(() => maskPredictorForward(model.params, config, x, { logitsFrom: 10 })).toThrow(/logitsFrom must be an integer in \[0, 10\), got 10/);
    expect(() => maskPredictorForward(model.params, config, x, { logitsFrom: -1 })).toThrow(/logitsFrom/);
  });

  it('leaves the SFT loss and its gradients as they are when the skipped positions are prompt in every row', async () => {
    const model = createModel(config, key(2), { device });
    const x = ids();
    // prompts of 3 and 5 tokens: positions 0..2 are prompt in both rows
    const promptMask = tensor([...[1, 1, 1, 0, 0, 0, 0, 0, 0, 0], ...[1, 1, 1, 1, 1, 0, 0, 0, 0, 0]], [2, 10], 'i32', { device });
    const { noisy, masked, p } = maskIndependently(key(3), x, { maskId: config.maskTokenId, promptMask });
    const batch = { ids: x, noisy, masked, p, promptMask };
    const f = valueAndGrad((params: MaskPredictorParameters, from: number) => sftBatchLoss(params, config, { ...batch, logitsFrom: from }));
    const whole = await f(model.params, 0);
    const cut = await f(model.params, 3);
    await expectClose(cut.value, whole.value, { atol: 1e-6, rtol: 1e-5 });
    const a = flattenParameters(whole.grads);
    const b = flattenParameters(cut.grads);
    for (const name of Object.keys(a)) await expectClose(b[name]!, a[name]!, { atol: 1e-6, rtol: 1e-4 });
    expect((await whole.value.item()) > 0).toBe(true);
  });
});
