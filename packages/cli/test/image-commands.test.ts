import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceFromEnv, init } from '@mmada/tensor';
import { createImage, setPixel } from '@mmada/image';
import { readPng, writePng } from '@mmada/image/node';
import { mmada, writeTinyImageTokenizer, writeTinyModel } from './support.js';

const device = deviceFromEnv() ?? 'cpu';
const root = mkdtempSync(join(tmpdir(), 'mmada-image-cli-'));
const model = join(root, 'tiny-mmada');
const vq = join(root, 'tiny-vq');
const picture = join(root, 'picture.png');

beforeAll(async () => {
  await init({ device });
  await writeTinyModel(model, 3, device);
  await writeTinyImageTokenizer(vq, 4, device);
  const img = createImage(40, 24); // not square: resized and center-cropped to the resolution
  for (let y = 0; y < 24; y++) for (let x = 0; x < 40; x++) setPixel(img, x, y, x < 20 ? [220, 30, 30] : [30, 30, 220]);
  await writePng(picture, img);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('mmada t2i', () => {
  it('writes a PNG of the requested resolution and reports the codes', async () => {
    const out = join(root, 'cat.png');
    const r = await mmada('t2i', '--model', model, '--vq', vq, '--prompt', 'a red square', '--out', out, '--resolution', '32', '--steps', '4', '--max-seq-length', '16', '--device', device, '--json');
    expect(r.stderr).not.toMatch(/mmada t2i:/);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { out: string; codes: number[] };
    expect(result.out).toBe(out);
    expect(result.codes).toHaveLength(16); // a 4×4 grid
    for (const c of result.codes) expect(c >= 0 && c < 16).toBe(true);
    const png = await readPng(out);
    expect(E.isRight(png) && [png.right.width, png.right.height]).toEqual([32, 32]);
  });
  it('the same seed gives the same image; another seed another one', async () => {
    const run = async (seed: string) =>
      JSON.parse((await mmada('t2i', '--model', model, '--vq', vq, '--prompt', 'x', '--out', join(root, `s${seed}.png`), '--overwrite', '--resolution', '32', '--steps', '3', '--max-seq-length', '8', '--seed', seed, '--device', device, '--json')).stdout).codes;
    expect(await run('1')).toEqual(await run('1'));
    expect(await run('1')).not.toEqual(await run('2'));
  });
  it('explains what is missing', async () => {
    const noVq = await mmada('t2i', '--model', model, '--prompt', 'x', '--out', join(root, 'a.png'));
    expect(noVq.code).toBe(2);
    expect(noVq.stderr).toMatch(/--vq DIR is required/);
    const badOut = await mmada('t2i', '--model', model, '--vq', vq, '--prompt', 'x', '--out', join(root, 'a.jpg'));
    expect(badOut.code).toBe(2);
    expect(badOut.stderr).toMatch(/only PNG/);
    const badRes = await mmada('t2i', '--model', model, '--vq', vq, '--prompt', 'x', '--out', join(root, 'b.png'), '--resolution', '30', '--device', device);
    expect(badRes.code).toBe(2);
    expect(badRes.stderr).toMatch(/multiple of the tokenizer's downsampling factor \(8\)/);
    expect(existsSync(join(root, 'b.png'))).toBe(false);
  });
});

describe('mmada understand', () => {
  it('answers a question about a PNG with the tiny model', async () => {
    const r = await mmada('understand', '--model', model, '--vq', vq, '--image', picture, '--question', 'What colour is on the left?', '--resolution', '32', '--gen-length', '8', '--block-length', '4', '--steps', '4', '--device', device, '--json');
    expect(r.stderr).not.toMatch(/mmada understand:/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { text: string; ids: number[] };
    expect(out.ids).toHaveLength(8);
    expect(typeof out.text).toBe('string');
  });
  it('a corrupt image is a clear error naming the file', async () => {
    const bad = join(root, 'broken.png');
    writeFileSync(bad, 'not a png at all');
    const r = await mmada('understand', '--model', model, '--vq', vq, '--image', bad, '--question', 'q', '--device', device);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(bad);
  });
  it('--max-image-pixels caps the decoded size (the 40×24 picture is 960 pixels)', async () => {
    const args = ['understand', '--model', model, '--vq', vq, '--image', picture, '--question', 'q', '--resolution', '32', '--gen-length', '4', '--block-length', '4', '--steps', '2', '--device', device];
    const refused = await mmada(...args, '--max-image-pixels', '959');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${picture}: corrupt or unsupported PNG: the header declares 40×24 = 960 pixels, over the limit of 959`);
    expect((await mmada(...args, '--max-image-pixels', '960')).code).toBe(0);
  });
});
