import { beforeAll, expect, it } from 'vitest';
import { dispose, init, tensor, type DeviceName } from '@mmada/tensor';
import { describeOnDevices } from '../../../tests/support/devices.js';
import { MASK, countingPredictor, toyTable } from './toy-predictors.js';
import { createEstimator, grpoLoss, rolloutKey, type EstimatorSpec } from '../src/index.js';

beforeAll(async () => {
  await init({ device: 'cpu' });
});

const SPECS: EstimatorSpec[] = [
  { name: 'unigrpo', mu: 3, timestepRule: 'stratified' },
  { name: 'd1', pMaskPrompt: 0.5 },
  { name: 'coupled' },
  { name: 'random-masking', copies: 2 },
  { name: 'llada-mc', mcNum: 4, batchSize: 2 },
];

async function runOn(device: DeviceName, spec: EstimatorSpec) {
  const table = toyTable(device);
  const ids = tensor([[1, 2, 3, 0, 2, 3, 4, 4], [3, 1, 2, 0, 4, 4, 4, 4]], [2, 8], 'i32', { device });
  const completionMask = tensor([[0, 0, 0, 1, 1, 1, 1, 0], [0, 0, 1, 1, 1, 0, 0, 0]], [2, 8], 'bool', { device });
  const batch = { ids, completionMask, promptLength: [3, 2], maskId: MASK, groupIds: [0, 0] };
  const e = await createEstimator(spec).estimate(countingPredictor(table), batch, { iteration: 1, key: rolloutKey(11, 3) });
  const adv = tensor([0.5, -0.5], [2], 'f32', { device });
  const { loss } = grpoLoss({ logp: e.tokenLogp, mask: e.mask, advantages: adv }, { lossType: 'bnpo' });
  const out = {
    logp: Array.from(await e.tokenLogp.data()),
    mask: Array.from(await e.mask.data(), Number),
    noisy: e.noisy ? Array.from(await e.noisy.data()) : [],
    loss: await loss.item(),
  };
  dispose([table, ids, completionMask, e, adv, loss]);
  return out;
}

describeOnDevices(['webgpu'], 'estimators on cpu and webgpu', () => {
  it('draw the same masks and give the same log-probabilities for the same key', async () => {
    for (const spec of SPECS) {
      const [c, g] = [await runOn('cpu', spec), await runOn('webgpu', spec)];
      expect(g.noisy, spec.name).toEqual(c.noisy);
      expect(g.mask, spec.name).toEqual(c.mask);
      g.logp.forEach((v, i) => expect(v, `${spec.name} [${i}]`).toBeCloseTo(c.logp[i]!, 4));
      expect(g.loss).toBeCloseTo(c.loss, 4);
    }
  });
});
