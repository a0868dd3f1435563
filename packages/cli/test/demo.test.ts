import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel, disposeImageTokenizer, disposeModel, initImageTokenizer, loadTextTokenizer, saveImageTokenizer, saveModel } from '@mmada/mmada';
import { deviceFromEnv, ensureBackend, key } from '@mmada/tensor';
import { createImage } from '@mmada/image';
import { contactSheet, greyCell, tokensOfCell, upscaleNearest } from '../src/recipe/image-sheet.js';
import { recipeModelConfig } from '../src/recipe/recipe-config.js';
import { SHAPESWORLD_VQ16_CONFIG } from '../src/recipe/image-tokenizer-stage.js';
import { writeShapesWorldTextTokenizer } from '../src/recipe/text-tokenizer-stage.js';
import { mmada } from './support.js';

const device = deviceFromEnv() ?? 'cpu';
const root = mkdtempSync(join(tmpdir(), 'mmada-demo-'));
const modelDir = join(root, 'model');

beforeAll(async () => {
  await ensureBackend(device);
  // A random recipe model: the ShapesWorld tokenizer (from a small corpus), the recipe's image tokenizer
  // architecture, and a one-block mask predictor with the recipe's vocabulary layout.
  await writeShapesWorldTextTokenizer(modelDir, 50);
  const tok = await loadTextTokenizer(modelDir)();
  if (E.isLeft(tok)) throw tok.left;
  const vq = initImageTokenizer(SHAPESWORLD_VQ16_CONFIG, key(1), { device });
  const savedVq = await saveImageTokenizer(join(modelDir, 'vq'), vq)();
  disposeImageTokenizer(vq);
  if (E.isLeft(savedVq)) throw savedVq.left;
  const m = createModel(recipeModelConfig(tok.right, 64, { dModel: 32, nHeads: 2, nLayers: 1, mlpHiddenSize: 64 }), key(2), { device });
  const saved = await saveModel(m, modelDir)();
  disposeModel(m);
  if (E.isLeft(saved)) throw saved.left;
  // Training logs as the recipe leaves them: the report draws their curves.
  mkdirSync(join(modelDir, 'stage1'));
  writeFileSync(join(modelDir, 'stage1', 'loss.jsonl'), [6, 5, 4.5, 4].map((loss, i) => JSON.stringify({ step: i + 1, loss, lr: 1e-3, tokens: 64, seconds: 0.1 })).join('\n') + '\n');
  mkdirSync(join(modelDir, 'stage3'));
  writeFileSync(join(modelDir, 'stage3', 'metrics.jsonl'), [0.2, 0.4].map((mean, i) => JSON.stringify({ step: i + 1, reward: { mean, std: 0.1 } })).join('\n') + '\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('report images', () => {
  it('upscales by repeating pixels', () => {
    const img = createImage(2, 1, [0, 0, 0]);
    img.data.set([255, 0, 0], 3);
    const up = upscaleNearest(img, 2);
    expect([up.width, up.height]).toEqual([4, 2]);
    expect([...up.data.subarray(0, 12)]).toEqual([0, 0, 0, 0, 0, 0, 255, 0, 0, 255, 0, 0]);
    expect([...up.data.subarray(12, 24)]).toEqual([...up.data.subarray(0, 12)]);
    expect(() => upscaleNearest(img, 0)).toThrow(/positive integer/);
  });

  it('finds the image tokens over a scene cell: one of a 2×2 token grid, four of a 4×4 one', () => {
    expect(tokensOfCell(4, 2, 1, 0)).toEqual([2]);
    expect(tokensOfCell(16, 2, 0, 1)).toEqual([2, 3, 6, 7]);
    expect(tokensOfCell(16, 2, 1, 1)).toEqual([10, 11, 14, 15]);
    expect(() => tokensOfCell(12, 2, 0, 0)).toThrow(/not a square grid/);
    expect(() => tokensOfCell(16, 2, 2, 0)).toThrow(/outside a 2×2 scene/);
  });

  it('lays out a contact sheet with gutters', () => {
    const a = createImage(2, 2, [10, 10, 10]);
    const sheet = contactSheet([a, a, a], 2, 1, [0, 0, 0]);
    expect([sheet.width, sheet.height]).toEqual([2 * 2 + 3, 2 * 2 + 3]);
    const px = (x: number, y: number) => [...sheet.data.subarray((y * sheet.width + x) * 3, (y * sheet.width + x) * 3 + 3)];
    // Image 0 at x,y 1..2; image 1 at x 4..5, y 1..2; image 2 at x 1..2, y 4..5; the fourth slot stays empty.
    expect(px(0, 0)).toEqual([0, 0, 0]);
    expect(px(1, 1)).toEqual([10, 10, 10]);
    expect(px(3, 1)).toEqual([0, 0, 0]);
    expect(px(5, 2)).toEqual([10, 10, 10]);
    expect(px(2, 5)).toEqual([10, 10, 10]);
    expect(px(4, 4)).toEqual([0, 0, 0]);
    expect(() => contactSheet([a, createImage(3, 3)], 2)).toThrow(/one size/);
  });

  it('greys exactly one cell', () => {
    const img = createImage(4, 4, [255, 255, 255]);
    const g = greyCell(img, 2, 1, 0);
    let grey = 0;
    for (let p = 0; p < 16; p++) if (g.data[p * 3] === 128) grey++;
    expect(grey).toBe(4);
    expect(g.data[(2 * 4 + 0) * 3]).toBe(128);
    expect(g.data[(0 * 4 + 2) * 3]).toBe(255);
    expect(img.data[(2 * 4 + 0) * 3]).toBe(255);
  });
});

describe('mmada demo', () => {
  it('writes the report, images, contact sheet and scores of a recipe model', async () => {
    const out = join(root, 'demo');
    // the sampling the recipe recorded for this model is the one the demonstration uses
    writeFileSync(join(modelDir, 'recipe.json'), JSON.stringify({ stages: [], sampling: { guidanceScale: 1.5 } }));
    // 3 images for 2 scored items: two come from the scoring run, one is drawn for the sheet.
    const r = await mmada('demo', '--model', modelDir, '--out', out, '--count', '2', '--images', '3', '--device', device);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| shipped \|/);
    const charts = ['held-out-accuracy', 'stage1-loss', 'stage3-reward'].flatMap((c) => [`charts/${c}.svg`, `charts/${c}.png`]);
    for (const f of ['report.html', 'contact-sheet.png', 'contact-sheet.svg', 'scores.json', 'images/understanding-scene.png', 'images/t2i-0.png', 'images/t2i-1.png', 'images/t2i-2.png', 'images/inpaint-result.png', ...charts]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const scores = JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8'));
    expect(scores.reasoning.n).toBe(2);
    expect(scores.understanding.n).toBe(2);
    expect(scores.t2i.n).toBe(2);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<img src="data:image\/png;base64,/);
    expect(html).toContain('Held-out scores');
    expect(html).toContain('images use classifier-free guidance w = 1.5');
    // The charts section: three charts inline (no stage-2 or tokenizer log here, so no chart for them).
    expect(html).toContain('6. Charts');
    expect(html.match(/<figure class="chart">/g)).toHaveLength(3);
    expect(existsSync(join(out, 'charts', 'stage2-loss.svg'))).toBe(false);
    expect(readFileSync(join(out, 'charts', 'stage1-loss.svg'), 'utf8')).toContain('loss (nats / token)');
    expect(r.stderr).toContain('== 4 inpainting');
  });

  it('refuses bad flags with a message', async () => {
    expect((await mmada('demo', '--out', join(root, 'x'))).stderr).toMatch(/--model DIR is required/);
    expect((await mmada('demo', '--model', modelDir, '--count', '700')).stderr).toMatch(/more than the 600 items/);
  });
});
