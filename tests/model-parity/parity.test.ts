/**
 * The TypeScript mask predictor against an independent PyTorch implementation of the published architecture
 * (scripts/reference/llada_reference.py), on the tiny BF16 sharded checkpoint that script writes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceFromEnv, init, key, memory, scope, tensor, type DeviceName } from '@mmada/tensor';
import { disposeModel, generateIds, loadModel, maskPredictorForward, type LoadedModel } from '@mmada/mmada';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const checkpointDir = `${fixtures}tiny-llada`;

interface Case {
  name: string;
  ids: number[][];
  padMask: number[][] | null;
  shape: [number, number, number];
  logits: number[];
}
interface Generation {
  prompt: number[][];
  genLength: number;
  steps: number;
  blockLength: number;
  ids: number[][];
}
const reference = JSON.parse(readFileSync(`${fixtures}reference.json`, 'utf8')) as { cases: Case[]; generations: Generation[] };

let device: DeviceName;
let model: LoadedModel;

beforeAll(async () => {
  device = await init({ device: deviceFromEnv() ?? 'cpu' });
  const loaded = await loadModel(checkpointDir, { device })();
  if (E.isLeft(loaded)) throw loaded.left;
  model = loaded.right;
});

afterAll(() => {
  if (model) disposeModel(model);
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('forward logits match the PyTorch reference', () => {
  for (const c of reference.cases) {
    it(`${c.name}: within 1e-4`, async () => {
      const logits = await scope(async () => {
        const ids = tensor(c.ids, undefined, 'i32', { device });
        const padMask = c.padMask ? tensor(c.padMask, undefined, 'i32', { device }) : undefined;
        const y = maskPredictorForward(model.params, model.config, ids, { padMask });
        expect(y.shape).toEqual(c.shape);
        return y.data();
      });
      expect(maxAbsDiff(logits, c.logits)).toBeLessThan(1e-4);
    });
  }

  it('ignorePadMask gives the legacy full attention', async () => {
    const c = reference.cases.find((x) => x.name === 'pad-ignored')!;
    const padded = reference.cases.find((x) => x.name === 'pad-mask')!;
    const logits = await scope(async () => {
      const ids = tensor(c.ids, undefined, 'i32', { device });
      const padMask = tensor(padded.padMask!, undefined, 'i32', { device });
      return maskPredictorForward(model.params, model.config, ids, { padMask, ignorePadMask: true }).data();
    });
    expect(maxAbsDiff(logits, c.logits)).toBeLessThan(1e-4);
  });

  it('frees every intermediate', async () => {
    const before = memory().tensors;
    await scope(async () => {
      const ids = tensor(reference.cases[0]!.ids, undefined, 'i32', { device });
      const y = maskPredictorForward(model.params, model.config, ids);
      await y.data();
    });
    expect(memory().tensors).toBe(before);
  });
});

describe('greedy semi-autoregressive generation matches the reference', () => {
  for (const g of reference.generations) {
    it(`gen ${g.genLength}, steps ${g.steps}, block ${g.blockLength}`, async () => {
      const r = await generateIds(model, g.prompt, key(0), { genLength: g.genLength, steps: g.steps, blockLength: g.blockLength, temperature: 0 });
      expect(r.sequences).toEqual(g.ids);
      expect(r.generated).toEqual(g.ids.map((row) => row.slice(g.prompt[0]!.length)));
    });
  }
});

describe('pad-masked rows', () => {
  it('left padding leaves the real rows unchanged (RoPE is relative; pads are invisible)', async () => {
    const c = reference.cases.find((x) => x.name === 'full')!;
    const row = c.ids[1]!.slice(3);
    const [unpadded, padded] = await scope(async () => {
      const a = maskPredictorForward(model.params, model.config, tensor([row], undefined, 'i32', { device })).data();
      const ids = tensor([[46, 46, 46, ...row]], undefined, 'i32', { device });
      const m = tensor([[0, 0, 0, ...row.map(() => 1)]], undefined, 'i32', { device });
      const b = maskPredictorForward(model.params, model.config, ids, { padMask: m }).data();
      return Promise.all([a, b]);
    });
    const V = c.shape[2];
    expect(maxAbsDiff(padded.subarray(3 * V), unpadded)).toBeLessThan(1e-4);
  });

  it('pad rows attend uniformly: finite, and independent of which tokens sit in the pads', async () => {
    const c = reference.cases.find((x) => x.name === 'pad-mask')!;
    const [a, b] = await scope(async () => {
      const m = tensor(c.padMask!, undefined, 'i32', { device });
      const other = c.ids.map((r, i) => r.map((t, j) => (c.padMask![i]![j] ? t : 7)));
      const x = maskPredictorForward(model.params, model.config, tensor(c.ids, undefined, 'i32', { device }), { padMask: m }).data();
      const y = maskPredictorForward(model.params, model.config, tensor(other, undefined, 'i32', { device }), { padMask: m }).data();
      return Promise.all([x, y]);
    });
    expect(a.every(Number.isFinite)).toBe(true);
    const V = c.shape[2];
    const T = c.shape[1];
    // Real rows of row 1 do not see the pad tokens at all.
    expect(maxAbsDiff(a.subarray((T + 3) * V, 2 * T * V), b.subarray((T + 3) * V, 2 * T * V))).toBeLessThan(1e-5);
  });
});
