import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceFromEnv, dispose, init, key, tensor, type DeviceName } from '@mmada/tensor';
import { alibiBias, alibiSlopes, createModel, disposeModel, maskPredictorForward, MODEL_ZOO, type MaskPredictorModel } from '@mmada/mmada';

let device: DeviceName;
let rope: MaskPredictorModel;
let alibi: MaskPredictorModel;

beforeAll(async () => {
  device = await init({ device: deviceFromEnv() ?? 'cpu' });
  rope = createModel(MODEL_ZOO['mmada-tiny'], key(5), { device, std: 0.3 });
  alibi = createModel({ ...MODEL_ZOO['mmada-tiny'], rope: false, alibiBiasMax: 8 }, key(5), { device, std: 0.3 });
});

afterAll(() => {
  disposeModel(rope);
  disposeModel(alibi);
});

describe('alibiBias', () => {
  it("has LLaDA's slopes 2^-((h+1)·max/H)", () => {
    expect(alibiSlopes(2, 8)).toEqual([1 / 16, 1 / 256]);
    expect(alibiSlopes(4, 8)).toEqual([1 / 4, 1 / 16, 1 / 64, 1 / 256]);
  });

  it('is −|i − j| · slope for every head, queries and keys at their own positions', async () => {
    // Two heads (slopes 1/16, 1/256); queries at 2, 3 against keys at 0, 1, 2, 3.
    const b = alibiBias(2, 8, 2, 2, 0, 4, device);
    expect(b.shape).toEqual([1, 2, 2, 4]);
    const want = [1 / 16, 1 / 256].flatMap((s) => [[2, 1, 0, 1], [3, 2, 1, 0]].flatMap((row) => row.map((d) => (d === 0 ? 0 : -d * s))));
    expect(Array.from((await b.data()) as Float32Array, (v) => v + 0)).toEqual(want.map((v) => v + 0)); // −0 and 0 alike
    dispose(b);
  });
});

describe('a model with ALiBi', () => {
  it('adds the bias to its attention: the same weights give other logits than with RoPE', async () => {
    const ids = tensor([[5, 6, 7, 8, 9, 10]], [1, 6], 'i32', { device });
    const a = maskPredictorForward(alibi.params, alibi.config, ids);
    const r = maskPredictorForward(rope.params, rope.config, ids);
    const x = (await a.data()) as Float32Array;
    const y = (await r.data()) as Float32Array;
    expect(x.every(Number.isFinite)).toBe(true);
    expect(Math.max(...x.map((v, i) => Math.abs(v - y[i]!)))).toBeGreaterThan(1e-3);
    dispose([ids, a, r]);
  });
});
