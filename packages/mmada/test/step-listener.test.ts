/** The onStep listener of text and image sampling: it sees the sampler's state before every forward pass. */
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceFromEnv, init, key, memory, tensor } from '@mmada/tensor';
import {
  createModel,
  disposeModel,
  generateIds,
  generateImage,
  loadTextTokenizer,
  MODEL_ZOO,
  withStepListener,
  asMaskPredictor,
  type MaskPredictorModel,
  type TextTokenizer,
} from '@mmada/mmada';

let model: MaskPredictorModel;
let tok: TextTokenizer;
const mask = MODEL_ZOO['mmada-tiny'].maskTokenId;

beforeAll(async () => {
  const device = await init({ device: deviceFromEnv() ?? 'cpu' });
  model = createModel(MODEL_ZOO['mmada-tiny'], key(5), { device, std: 0.3 });
  const t = await loadTextTokenizer(fileURLToPath(new URL('./fixtures/tiny-tokenizer/', import.meta.url)))();
  if (E.isLeft(t)) throw t.left;
  tok = t.right;
});

afterAll(() => disposeModel(model));

const masks = (row: readonly number[]) => row.filter((t) => t === mask).length;

describe('onStep', () => {
  it('text: one call per step, starting all masked and unmasking genLength / steps tokens per step', async () => {
    const prompt = tok.encode('the cat');
    const seen: number[][][] = [];
    const r = await generateIds(model, [prompt], key(3), { genLength: 8, steps: 4, blockLength: 4, onStep: (ids) => void seen.push(ids) });
    expect(seen).toHaveLength(r.steps);
    expect(seen.map((ids) => masks(ids[0]!.slice(prompt.length)))).toEqual([8, 6, 4, 2]);
    expect(seen[0]![0]!.slice(0, prompt.length)).toEqual(prompt);
    // Every committed token stays: the last state agrees with the result wherever it was unmasked.
    const last = seen.at(-1)![0]!;
    last.forEach((t, i) => t !== mask && expect(r.sequences[0]![i]).toBe(t));
    const plain = await generateIds(model, [prompt], key(3), { genLength: 8, steps: 4, blockLength: 4 });
    expect(plain.sequences).toEqual(r.sequences);
  });

  it('image: the n codes before <|eoi|> go from all masked to fewer masked, and the listener waits are awaited', async () => {
    const seen: number[][] = [];
    let pending = 0;
    const g = await generateImage(model, tok, 'a red circle', key(4), {
      numImageTokens: 4,
      maxSeqLength: 12,
      steps: 3,
      guidanceScale: 0,
      onStep: async (ids) => {
        pending++;
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.push(ids[0]!.slice(-5, -1));
        pending--;
      },
    });
    expect(pending).toBe(0);
    expect(seen).toHaveLength(3);
    expect(masks(seen[0]!)).toBe(4);
    const counts = seen.map(masks);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
    expect(counts.at(-1)!).toBeGreaterThan(0);
    expect(g.codes[0]).toHaveLength(4);
  });

  it('withStepListener leaves a predictor as it is without a listener, and frees nothing it does not own', async () => {
    const predictor = asMaskPredictor(model);
    expect(withStepListener(predictor, undefined)).toBe(predictor);
    const before = memory().tensors;
    const ids = tensor([[1, 2, mask]], undefined, 'i32');
    const rows: number[][][] = [];
    const logits = await withStepListener(predictor, (r) => void rows.push(r))(ids);
    expect(rows).toEqual([[[1, 2, mask]]]);
    expect(logits.shape.slice(0, 2)).toEqual([1, 3]);
    logits.dispose();
    ids.dispose();
    expect(memory().tensors).toBe(before);
  });
});
