import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { createImage, decodeImage, encodePng, setPixel } from '@mmada/image';
import { readImage, readPng, writePng } from '@mmada/image/node';

describe('image files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmada-image-'));

  it('writes and reads PNG files; a missing file is a Left naming it', async () => {
    const img = createImage(4, 4, [1, 2, 3]);
    setPixel(img, 3, 0, [250, 0, 9]);
    await writePng(join(dir, 'a.png'), img);
    expect(await readPng(join(dir, 'a.png'))).toEqual(E.right(img));
    expect(await readImage(join(dir, 'a.png'))).toEqual(E.right(img));
    expect(await readPng(join(dir, 'b.png'))).toEqual(E.left(`${join(dir, 'b.png')}: cannot read file: ENOENT`));
    writeFileSync(join(dir, 'c.png'), 'junk');
    expect(await readPng(join(dir, 'c.png'))).toEqual(E.left(`${join(dir, 'c.png')}: not a PNG file (bad signature)`));
  });

  it('passes the pixel cap through', async () => {
    await writePng(join(dir, 'd.png'), createImage(5, 5));
    expect(await readImage(join(dir, 'd.png'), { maxPixels: 24 })).toEqual(E.left(expect.stringMatching(/d\.png: corrupt or unsupported PNG: .*over the limit of 24/)));
  });

  it('refuses a FIFO instead of blocking on it', async () => {
    const fifo = join(dir, 'pipe.png');
    execFileSync('mkfifo', [fifo]);
    expect(await readImage(fifo)).toEqual(E.left(expect.stringMatching(/pipe\.png: is a FIFO/)));
  });

  it('decodes JPEG by its bytes, whatever the name', async () => {
    const rgba = new Uint8Array(16 * 8 * 4).fill(255);
    for (let i = 0; i < 16 * 8; i++) rgba[i * 4] = 40; // cyan-ish
    writeFileSync(join(dir, 'photo.png'), jpeg.encode({ width: 16, height: 8, data: rgba }, 95).data);
    const got = await readImage(join(dir, 'photo.png'));
    expect(E.isRight(got) && [got.right.width, got.right.height]).toEqual([16, 8]);
    if (E.isRight(got)) expect(Math.abs(got.right.data[0]! - 40)).toBeLessThan(6);
    expect(decodeImage(readFileSync(join(dir, 'photo.png')).subarray(0, 200))).toEqual(E.left(expect.stringMatching(/^corrupt or unsupported JPEG: /)));
    expect(decodeImage(Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]))).toEqual(E.left('GIF images are not supported; convert the image to PNG (e.g. `convert in.gif out.png`)'));
    expect(decodeImage(new TextEncoder().encode('hello'))).toEqual(E.left('not a recognised image (PNG and JPEG are read)'));
    expect(decodeImage(encodePng(createImage(2, 2)).subarray(0, 30))).toEqual(E.left(expect.stringMatching(/^corrupt or unsupported PNG: /)));
  });
});
