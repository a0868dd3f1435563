/**
 * @mmada/image's bytes-level decoder bundled for a browser (esbuild, platform "browser": no Node built-ins can
 * enter) and run in headless Chromium: it decodes the 16-bit, interlaced, 1-bit and palette fixtures to the
 * same pixels as in Node (and as Pillow), and stops a PNG inflate bomb. Skipped (with the reason) where there
 * is no Chromium, except under CI=true.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { build } from 'esbuild';
import * as E from 'fp-ts/lib/Either.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '@mmada/image';
import { pngBytes } from '../support/png-bytes.js';
import { browserRequired, findChromium, launchChromium } from '../playground/chromium.js';

const fixtures = new URL('../../packages/image/test/fixtures/', import.meta.url);
const names = readdirSync(fixtures).filter((f) => f.endsWith('.png')).sort();
const expected = JSON.parse(readFileSync(new URL('expected.json', fixtures), 'utf8')) as Record<string, { width: number; height: number; rgb: number[] }>;
const chromium = findChromium();
if (!chromium.ok && browserRequired()) throw new Error(`CI=true needs Chromium for the browser tests: ${chromium.reason}`);

let browser: Browser | undefined;
let page: Page;

/** A 1×1 RGB PNG whose image data inflates to 64 MiB. */
function bomb(): Uint8Array {
  return pngBytes({ width: 1, height: 1 }, deflateSync(new Uint8Array(64 << 20)));
}

beforeAll(async () => {
  if (!chromium.ok) return;
  const bundle = await build({
    entryPoints: [new URL('../../packages/image/src/index.ts', import.meta.url).pathname],
    bundle: true, platform: 'browser', format: 'iife', globalName: 'mmadaImage', write: false, logLevel: 'silent',
  });
  browser = await launchChromium(chromium.path);
  page = await browser.newPage();
  await page.setContent('<!doctype html><title>image</title>');
  await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
}, 120_000);
afterAll(async () => browser?.close());

type Decoded = { ok: true; width: number; height: number; rgb: number[] } | { ok: false; error: string };

const decodeInPage = (bytes: Uint8Array): Promise<Decoded> =>
  page.evaluate((b64) => {
    const bin = atob(b64);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    const r = (globalThis as unknown as { mmadaImage: { decodeImage(b: Uint8Array): { _tag: string; left?: string; right?: { width: number; height: number; data: Uint8Array } } } }).mmadaImage.decodeImage(bytes);
    return r._tag === 'Right' ? { ok: true as const, width: r.right!.width, height: r.right!.height, rgb: Array.from(r.right!.data) } : { ok: false as const, error: r.left! };
  }, Buffer.from(bytes).toString('base64'));

describe.skipIf(!chromium.ok)(`@mmada/image in Chromium${chromium.ok ? '' : ` (skipped: ${chromium.reason})`}`, () => {
  it.each(names)('decodes %s as Node and Pillow do', async (name) => {
    const bytes = readFileSync(new URL(name, fixtures));
    const inBrowser = await decodeInPage(bytes);
    const inNode = decodePng(bytes);
    expect(E.isRight(inNode)).toBe(true);
    expect(inBrowser).toEqual({ ok: true, width: expected[name]!.width, height: expected[name]!.height, rgb: expected[name]!.rgb });
    if (E.isRight(inNode)) expect(inBrowser.ok && inBrowser.rgb).toEqual(Array.from(inNode.right.data));
  });

  it('refuses an inflate bomb there too', async () => {
    expect(await decodeInPage(bomb())).toEqual({ ok: false, error: 'corrupt or unsupported PNG: image data inflates past the 4 bytes the header implies (a decompression bomb or a damaged file); refused' });
  });
});
