/**
 * The playground in a real headless Chromium on WebGPU: the page is built and served, each task is run through
 * its panel with a fixed seed, and the ids / codes / pixels must equal the same call in Node on the cpu device
 * (the PRNG is device-independent). Each panel's screenshot goes to runs/playground/. The op parity suite runs
 * inside the page. Skipped (with the reason) where there is no Chromium, except under CI=true.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Server } from 'node:http';
import * as E from 'fp-ts/lib/Either.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateShapesWorld, renderScene } from '@mmada/eval';
import { loadImageTokenizer, loadModel, loadTextTokenizer } from '@mmada/mmada';
import { init } from '@mmada/tensor';
import { buildPlayground } from '../../examples/playground/build.js';
import { startServer } from '../../examples/playground/serve.js';
import {
  DEFAULT_IMAGE_SAMPLER, runChat, runTextToImage, runUnderstanding, type ImageSampler, type Loaded, type TextSampler,
} from '../../examples/playground/src/tasks.js';
import { browserRequired, findChromium, launchChromium } from './chromium.js';

const MODEL = 'models/mmada-tiny';
const SHOTS = 'runs/playground';
// Short answers keep the run to seconds on SwiftShader; two blocks exercise the semi-autoregressive schedule.
// Chat decodes greedily by confidence threshold with margin remasking; understanding samples (Gumbel noise,
// random remasking) one token per step; the image sampler adds confidence noise: every random draw comes
// from the same counter-based PRNG on both devices.
const CHAT: TextSampler = { genLength: 16, steps: 16, blockLength: 8, temperature: 0, remasking: 'margin_confidence', threshold: 0.9 };
const UNDERSTANDING: TextSampler = { genLength: 16, steps: 16, blockLength: 8, temperature: 0.8, remasking: 'random' };
const IMAGE: ImageSampler = { steps: 4, temperature: 1, guidance: 1.5, planFirst: true };

let skip: string | null = null;
let browser: Browser | undefined;
let server: Server | undefined;
let url = '';
let page: Page;
let cpu: Loaded;
const pageErrors: string[] = [];

const must = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

async function openPage(query = ''): Promise<Page> {
  const p = await browser!.newPage({ viewport: { width: 1280, height: 1000 } });
  p.on('pageerror', (e) => pageErrors.push(e.message));
  await p.goto(`${url}${query}`);
  await p.waitForFunction(() => window.playground?.status !== 'loading', null, { timeout: 120_000 });
  return p;
}

/** Sets the sampler form, clicks a panel's button and waits for the panel to finish; fails with the panel's note. */
async function runPanel(panel: string, button: string, seed: number, text: TextSampler, image: ImageSampler = DEFAULT_IMAGE_SAMPLER): Promise<void> {
  await page.click('#sampler-reset');
  await page.fill('#seed', String(seed));
  await page.fill('#gen-length', String(text.genLength));
  await page.fill('#steps', String(text.steps));
  await page.fill('#block-length', String(text.blockLength));
  await page.fill('#temperature', String(text.temperature));
  await page.selectOption('#remasking', text.remasking);
  await page.fill('#threshold', text.threshold === undefined ? '' : String(text.threshold));
  await page.fill('#image-steps', String(image.steps));
  await page.fill('#image-temperature', String(image.temperature));
  await page.fill('#image-guidance', String(image.guidance));
  await page.setChecked('#image-plan', image.planFirst);
  await page.click(button);
  await page.waitForFunction((id) => ['done', 'error'].includes(document.getElementById(id)!.dataset.state!), panel, { timeout: 240_000 });
  const state = await page.getAttribute(`#${panel}`, 'data-state');
  if (state !== 'done') throw new Error(`${panel} panel: ${await page.textContent(`#${panel} .note`)}`);
}

const shoot = (panel: string, name = panel) => page.locator(`#${panel}`).screenshot({ path: join(SHOTS, `${name}.png`) });

beforeAll(async () => {
  const chromium = findChromium();
  if (!chromium.ok) {
    if (browserRequired()) throw new Error(`browser tests are required under CI=true: ${chromium.reason}`);
    skip = chromium.reason;
    return;
  }
  await mkdir(SHOTS, { recursive: true });
  await buildPlayground();
  ({ server, url } = await startServer({ port: 0 }));
  browser = await launchChromium(chromium.path);
  page = await openPage();
  await init({ device: 'cpu' });
  cpu = {
    model: must(await loadModel(MODEL, { device: 'cpu' })()),
    tokenizer: must(await loadTextTokenizer(MODEL)()),
    imageTokenizer: must(await loadImageTokenizer(join(MODEL, 'vq'), { device: 'cpu' })()),
  };
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

beforeEach((ctx) => {
  if (skip !== null) ctx.skip(skip);
});

describe('playground in headless Chromium', () => {
  it('starts on WebGPU, names the adapter in the status line and loads the shipped model', async () => {
    const state = await page.evaluate(() => ({ status: window.playground.status, device: window.playground.device }));
    expect(state.status).toBe('ready');
    expect(state.device?.device).toBe('webgpu');
    expect(state.device?.fallback).toBeUndefined();
    const status = (await page.textContent('#status'))!;
    expect(status).toContain('device webgpu');
    expect(status).toContain(`adapter ${state.device!.adapter}`);
    expect(await page.textContent('#model-url')).toMatch(/\/models\/mmada-tiny$/);
  });

  it('chat: the streamed answer ends as the same ids Node computes on the cpu device', async () => {
    await page.selectOption('#chat-pick', '1');
    await runPanel('chat', '#chat-run', 3, CHAT);
    const got = await page.evaluate(() => window.playground.results.chat!);
    const question = generateShapesWorld('reasoning', { split: 'test', count: 2 })[1]!.problem.question;
    expect(got.message).toBe(question);
    const want = await runChat(cpu, question, 3, CHAT);
    expect(got.ids).toEqual(want.ids);
    expect(got.text).toBe(want.text);
    expect(await page.textContent('#chat-answer')).toBe(want.text);
    expect(await page.textContent('#status')).toMatch(/chat: 16 tokens in [\d.]+ s/);
    expect(got.steps).toBe(want.steps);
    await shoot('chat');
  });

  it('understanding: a held-out scene gives the same codes and answer ids as Node on cpu', async () => {
    await page.selectOption('#scene-pick', '2');
    await runPanel('understanding', '#understanding-run', 4, UNDERSTANDING);
    const got = await page.evaluate(() => {
      const u = window.playground.results.understanding!;
      return { ids: u.ids, codes: u.codes, text: u.text, question: u.question, pixels: Array.from(u.image.data) };
    });
    const item = generateShapesWorld('understanding', { split: 'test', count: 3 })[2]!;
    const image = renderScene(item.scene);
    expect(got.question).toBe(item.question.question);
    expect(got.pixels).toEqual(Array.from(image.data));
    const want = await runUnderstanding(cpu, image, item.question.question, 4, UNDERSTANDING);
    expect(got.codes).toEqual(want.codes);
    expect(got.ids).toEqual(want.ids);
    expect(got.text).toBe(want.text);
    await shoot('understanding');
  });

  it('understanding: the canvas can be blanked and drawn on in ShapesWorld colours', async () => {
    const canvas = page.locator('#scene-canvas');
    await page.click('#scene-clear');
    expect(await page.textContent('#understanding-gold')).toBe('your drawing: no reference answer');
    await page.click('#palette .swatch[title="blue"]');
    const box = (await canvas.boundingBox())!;
    // Drag across the middle row of the 32×32 image (the canvas shows it 6× larger).
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    const pixel = (fx: number, fy: number) =>
      canvas.evaluate((c: HTMLCanvasElement, [x, y]) => Array.from(c.getContext('2d')!.getImageData(Math.floor(c.width * x!), Math.floor(c.height * y!), 1, 1).data.slice(0, 3)), [fx, fy]);
    expect(await pixel(0.5, 0.5)).toEqual([40, 80, 220]);
    expect(await pixel(0.5, 0.1)).toEqual([255, 255, 255]);
    await shoot('understanding', 'understanding-drawn');
    await page.selectOption('#scene-pick', '0');
    expect(await page.textContent('#understanding-gold')).toMatch(/^reference answer: /);
  });

  it('text-to-image: the same codes as Node on cpu, pixels within one level, and the same verdict', async () => {
    await page.selectOption('#t2i-pick', '1');
    await runPanel('t2i', '#t2i-run', 5, CHAT, IMAGE);
    const got = await page.evaluate(() => {
      const r = window.playground.results.t2i!;
      return { codes: r.codes, plan: r.plan, pixels: Array.from(r.image.data), correct: r.verdict?.correct, reasons: r.verdict?.reasons, prompt: r.prompt };
    });
    const item = generateShapesWorld('t2i', { split: 'test', count: 2 })[1]!;
    expect(got.prompt).toBe(item.prompt.prompt);
    const want = await runTextToImage(cpu, item.prompt, 5, IMAGE);
    // the plan is written first, shown, and drawn from, as the shipped model's scores are made
    expect(want.plan).toMatch(/^<think>.+<\/think>$/);
    expect(got.plan).toBe(want.plan);
    expect(await page.textContent('#t2i-plan')).toBe(`plan: ${want.plan}`);
    expect(got.codes).toEqual(want.codes);
    // The codes are sampled identically; the float decoder then truncates to bytes, and values that land on a
    // whole number can differ by one level between SwiftShader and the cpu device.
    const diff = got.pixels.map((v, i) => Math.abs(v - want.image.data[i]!));
    expect(diff.length).toBe(want.image.data.length);
    expect(Math.max(...diff)).toBeLessThanOrEqual(1);
    expect(diff.filter((d) => d > 0).length / diff.length).toBeLessThan(0.05);
    expect(got.correct).toBe(want.verdict!.correct);
    expect(got.reasons).toEqual(want.verdict!.reasons);
    expect(await page.textContent('#t2i-verdict')).toMatch(/^verifier: /);
    await shoot('t2i');
  });

  it('sampler panel: a block length that does not divide the answer length is refused, naming the field', async () => {
    await page.fill('#gen-length', '16');
    await page.fill('#block-length', '7');
    await page.click('#chat-run');
    await page.waitForFunction(() => document.getElementById('chat')!.dataset.state === 'error');
    expect(await page.textContent('#chat .note')).toBe('blockLength must divide genLength (16), got 7');
    await page.click('#sampler-reset');
    expect(await page.inputValue('#block-length')).toBe('16');
    await shoot('sampler');
  });

  it('kernel check: the op parity suite on the page WebGPU device matches the cpu reference', async () => {
    await page.click('#kernel-run');
    await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('kernels')!.dataset.state!), null, { timeout: 240_000 });
    const outcomes = await page.evaluate(() => window.playground.results.kernels ?? []);
    expect(await page.textContent('#kernels .note')).toBe('');
    expect(outcomes.length).toBeGreaterThan(100);
    expect(outcomes.filter((o) => o.failure)).toEqual([]);
    expect(await page.textContent('#kernel-summary')).toMatch(/^(\d+) of \1 cases match the cpu reference/);
    await shoot('kernels');
  });

  it('without navigator.gpu the page says so and runs on the cpu device', async () => {
    const p = await browser!.newPage();
    p.on('pageerror', (e) => pageErrors.push(e.message));
    await p.addInitScript(() => {
      delete (Navigator.prototype as { gpu?: unknown }).gpu;
    });
    await p.goto(url);
    await p.waitForFunction(() => window.playground?.status !== 'loading', null, { timeout: 120_000 });
    const device = await p.evaluate(() => window.playground.device);
    expect(device?.device).toBe('cpu');
    expect(await p.isVisible('#device-warning')).toBe(true);
    expect(await p.textContent('#device-warning')).toContain('navigator.gpu is missing');
    expect(await p.textContent('#status')).toContain('device cpu');
    await p.locator('#device-warning').screenshot({ path: join(SHOTS, 'no-webgpu.png') });
    await p.close();
  });

  it('threw no uncaught errors in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
