import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy, deviceFromEnv, dispose, init, key, mean, memory, scope, tensor, type Tensor } from '@mmada/tensor';
import { flattenToRecord, valueAndGrad } from '@mmada/autograd';
import { buildParameters, createModel, disposeModel, flattenParameters, maskPredictorForward, MODEL_ZOO, parameterShapes, type MaskPredictorModel, type MaskPredictorParameters } from '@mmada/mmada';

const config = MODEL_ZOO['mmada-tiny'];
let model: MaskPredictorModel;
let device: 'cpu' | 'webgpu';
const ids = [[280, 10, 293, 293, 41, 293]];
const pad = [[1, 1, 1, 1, 1, 0]];
const targets = [[280, 10, 57, 12, 41, 281]];

beforeAll(async () => {
  device = await init({ device: deviceFromEnv() ?? 'cpu' });
  model = createModel(config, key(21), { device, std: 0.3 });
});
afterAll(() => disposeModel(model));

function loss(params: MaskPredictorParameters): Tensor {
  const x = tensor(ids, undefined, 'i32', { device });
  const m = tensor(pad, undefined, 'i32', { device });
  const y = tensor(targets, undefined, 'i32', { device });
  return mean(crossEntropy(maskPredictorForward(params, config, x, { padMask: m }), y));
}

/** The parameters with one element of one tensor moved by delta. */
async function nudged(name: string, index: number, delta: number): Promise<MaskPredictorParameters> {
  const flat = flattenParameters(model.params);
  const values = Float32Array.from(await flat[name]!.data());
  values[index]! += delta;
  const moved = tensor(values, flat[name]!.shape, 'f32', { device });
  return buildParameters(config, (n) => (n === name ? moved : flat[n]!));
}

describe('the mask predictor is differentiable', () => {
  it('gives a gradient for every upstream tensor name, matching finite differences', async () => {
    const before = memory().tensors;
    const { value, grads } = await valueAndGrad(loss)(model.params);
    const byName = flattenToRecord(grads);
    expect(Object.keys(byName)).toEqual(parameterShapes(config).map(([n]) => n));
    for (const [name, index] of [
      ['model.transformer.blocks.0.q_proj.weight', 37],
      ['model.transformer.blocks.1.ff_proj.weight', 100],
      ['model.transformer.blocks.0.attn_norm.weight', 3],
      ['model.transformer.wte.weight', 10 * 32 + 5],
      ['model.transformer.ff_out.weight', 57 * 32 + 1],
    ] as const) {
      const g = (await byName[name]!.data())[index]!;
      const eps = 1e-2;
      const [plus, minus] = await scope(async () => {
        const p = await nudged(name, index, eps);
        const m = await nudged(name, index, -eps);
        return [await loss(p).item(), await loss(m).item()];
      });
      const fd = (plus! - minus!) / (2 * eps);
      expect(Math.abs(g - fd)).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
    }
    dispose([value, grads]);
    expect(memory().tensors).toBe(before);
  });
});
