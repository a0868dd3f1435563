import { beforeAll, expect, it } from 'vitest';
import { dispose, init, key, tensor, type DeviceName } from '@mmada/tensor';
import { describeOnDevices } from '../../../tests/support/devices.js';
import { maskgitSample, monteCarloLogLikelihood, semiAutoregressiveSample } from '../src/index.js';
import { embeddingTablePredictor, fixedTablePredictor } from './toy-predictors.js';

const V = 16;
const MASK = 15;
beforeAll(async () => {
  await init({ device: 'cpu' });
});

function table(): Float32Array {
  const t = new Float32Array(V * V);
  for (let i = 0; i < t.length; i++) t[i] = Math.sin(i * 12.9898) * 3;
  return t;
}

async function textOn(device: DeviceName) {
  const prompt = tensor([[1, 2, 3], [4, 5, 6]], [2, 3], 'i32', { device });
  const out: unknown[] = [];
  for (const o of [
    { temperature: 1, cfgScale: 0.5 },
    { temperature: 0.7, logitsEosInf: true, confidenceEosEotInf: true, eosId: 3, eotId: 4 },
    { remasking: 'margin_confidence' as const },
    { remasking: 'random' as const, temperature: 2 },
    { threshold: 0.3 },
  ]) {
    const r = await semiAutoregressiveSample(embeddingTablePredictor(table(), V), prompt, {
      genLength: 8, steps: 4, blockLength: 4, maskId: MASK, key: key(42), ...o,
    });
    out.push(await r.ids.array());
    dispose(r);
  }
  prompt.dispose();
  return out;
}

async function imageOn(device: DeviceName) {
  const n = 16;
  const target = Array.from({ length: n + 2 }, (_, i) => 2 + (i % 8));
  // Row 1 is an inpainting row: every fourth code is known.
  const known = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 2 + 5 : MASK));
  const ids = tensor([[0, ...new Array<number>(n).fill(MASK), 0], [0, ...known, 0]], [2, n + 2], 'i32', { device });
  const r = await maskgitSample(fixedTablePredictor(target, V, target.map((_, i) => 0.5 + 0.1 * i)), ids, {
    numImageTokens: n, steps: 4, codebookOffset: 2, codebookSize: 8, maskId: MASK, key: key(7),
  });
  const codes = await r.codes.array();
  dispose([ids, r]);
  return codes;
}

async function mcOn(device: DeviceName) {
  const prompt = tensor([1, 2], [2], 'i32', { device });
  const answer = tensor([3, 4, 5, 6], [4], 'i32', { device });
  const r = await monteCarloLogLikelihood(embeddingTablePredictor(table(), V), prompt, answer, { mcNum: 4, batchSize: 2, maskId: MASK, key: key(5) });
  const elbo = await r.elbo.item();
  dispose([prompt, answer, r]);
  return elbo;
}

/**
 * The smallest MaskGIT case where ln p of the drawn code decides a tie (N 2, 2 steps, τ 0): position 0 has codes 0
 * and 1 at logit 1000, position 1 codes 2 and 3 at 3000.5, so both have confidence exactly ln ½. A crossEntropy
 * that formed max + log Σ before subtracting the code's logit rounded the two differently on webgpu.
 */
async function tieOn(device: DeviceName) {
  const vocab = 8;
  const mask = 7;
  const logits = new Float32Array(4 * vocab);
  logits.set([1000, 1000], 1 * vocab + 2); // position 1 = image token 0: codes 0, 1 (ids 2, 3)
  logits.set([3000.5, 3000.5], 2 * vocab + 4); // position 2 = image token 1: codes 2, 3 (ids 4, 5)
  const ids = tensor([[0, mask, mask, 0]], [1, 4], 'i32', { device });
  const predictor = (x: typeof ids) => tensor(logits, [1, 4, vocab], 'f32', { device: x.device });
  const r = await maskgitSample(predictor, ids, {
    numImageTokens: 2, steps: 2, temperature: 0, codebookOffset: 2, codebookSize: 4, maskId: mask, key: key(3), returnTrajectory: true,
  });
  // after step 1 one position is remasked unless the two confidences tie (then neither is below the cut)
  const steps = await Promise.all(r.trajectory!.map((t) => t.array()));
  dispose([ids, r]);
  return steps;
}

/**
 * Logits that tie exactly: every position's two best tokens share logit `a` (the rest 0), and every position has
 * the same confidence, so greedy picks, Gumbel draws and the low-confidence / margin remasking all meet exact ties.
 * Position-only logits, whatever the input (a fresh tensor per call, as a predictor must return).
 */
function tiedPredictor(a: number, vocab: number, mask: number) {
  return (x: { shape: readonly number[]; device: DeviceName }) => {
    const [b, l] = x.shape as [number, number];
    const logits = new Float32Array(b * l * vocab);
    for (let r = 0; r < b; r++) {
      for (let p = 0; p < l; p++) {
        const first = p % 5;
        const second = (first + 5) % vocab === mask ? 6 : first + 5;
        logits[(r * l + p) * vocab + first] = a;
        logits[(r * l + p) * vocab + second] = a;
      }
    }
    return tensor(logits, [b, l, vocab], 'f32', { device: x.device });
  };
}

const TIE_SCALES = [1, 30, 1000, 3000.5];

async function tiedTextOn(device: DeviceName) {
  const out: unknown[] = [];
  for (const a of TIE_SCALES) {
    for (const o of [
      { temperature: 0 },
      { temperature: 1 },
      { temperature: 0, remasking: 'margin_confidence' as const },
      { temperature: 0.5, threshold: 0.4 },
    ]) {
      const prompt = tensor([[1, 2, 3], [4, 5, 6]], [2, 3], 'i32', { device });
      const r = await semiAutoregressiveSample(tiedPredictor(a, V, MASK), prompt, { genLength: 8, steps: 4, blockLength: 4, maskId: MASK, key: key(11), ...o });
      out.push([a, o, await r.ids.array()]);
      dispose([prompt, r]);
    }
  }
  return out;
}

async function tiedImageOn(device: DeviceName) {
  const out: unknown[] = [];
  const n = 8;
  for (const a of TIE_SCALES) {
    for (const temperature of [0, 1]) {
      const ids = tensor([[0, ...new Array<number>(n).fill(MASK), 0]], [1, n + 2], 'i32', { device });
      const r = await maskgitSample(tiedPredictor(a, V, MASK), ids, { numImageTokens: n, steps: 3, temperature, codebookOffset: 0, codebookSize: 10, maskId: MASK, key: key(13), returnTrajectory: true });
      out.push([a, temperature, await Promise.all(r.trajectory!.map((t) => t.array()))]);
      dispose([ids, r]);
    }
  }
  return out;
}

describeOnDevices(['webgpu'], 'cpu and webgpu', () => {
  it('give the same text and image samples over a grid of exact probability ties (scales 1 … 3000.5)', async () => {
    expect(await tiedTextOn('webgpu')).toEqual(await tiedTextOn('cpu'));
    expect(await tiedImageOn('webgpu')).toEqual(await tiedImageOn('cpu'));
  });

  it('give the same MaskGIT codes when two confidences tie at large logits', async () => {
    const cpu = await tieOn('cpu');
    expect((cpu[0] as number[][])[0]).not.toContain(7); // the tie keeps both codes after the first step
    expect(await tieOn('webgpu')).toEqual(cpu);
  });

  it('give the same samples for the same key', async () => {
    expect(await textOn('webgpu')).toEqual(await textOn('cpu'));
    expect(await imageOn('webgpu')).toEqual(await imageOn('cpu'));
    expect(await mcOn('webgpu')).toBeCloseTo(await mcOn('cpu'), 4);
  });
});
