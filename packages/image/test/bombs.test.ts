// Decoded-size bounds: a small file that declares or inflates to a huge image is refused before the work.
import { deflateSync } from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { pngBytes } from '../../../tests/support/png-bytes.js';
import { decodeImage, decodeJpeg, decodePng, MAX_IMAGE_PIXELS, minimumScanBytes, readJpegFrame } from '@mmada/image';

const png = (width: number, height: number, idat: Uint8Array): Uint8Array => pngBytes({ width, height }, idat);

/** A baseline JPEG header (SOI, SOF0 with three 1×1-sampled components, EOI) declaring any size and no scan. */
function forgedJpeg(width: number, height: number): Uint8Array {
  const sof = [0xff, 0xc0, 0, 17, 8, height >> 8, height & 255, width >> 8, width & 255, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1];
  return Uint8Array.from([0xff, 0xd8, ...sof, 0xff, 0xd9]);
}

describe('PNG decompression bombs', () => {
  it('stops a 1×1 PNG whose image data inflates to 128 MiB at the 4 bytes its header implies', () => {
    const bomb = png(1, 1, deflateSync(new Uint8Array(128 << 20), { level: 9 }));
    expect(bomb.length).toBeLessThan(400_000);
    const rssBefore = process.memoryUsage().rss;
    expect(decodePng(bomb)).toEqual(E.left('image data inflates past the 4 bytes the header implies (a decompression bomb or a damaged file); refused'));
    // The inflated data is never held: memory grows by far less than the 128 MiB it expands to.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 << 20);
  });

  it('refuses surplus data even of a single byte, and data that ends early', () => {
    expect(decodePng(png(1, 1, deflateSync(Uint8Array.of(0, 1, 2, 3, 4))))).toEqual(E.left(expect.stringMatching(/^image data inflates past the 4 bytes/)));
    expect(decodePng(png(2, 1, deflateSync(Uint8Array.of(0, 1, 2, 3))))).toEqual(E.left('image data shorter than the image (4 of 7 bytes)'));
    expect(E.isRight(decodePng(png(1, 1, deflateSync(Uint8Array.of(0, 1, 2, 3)))))).toBe(true);
  });

  it('caps declared pixels at MAX_IMAGE_PIXELS (as Pillow) before inflating, and lets the caller raise the cap', () => {
    expect(MAX_IMAGE_PIXELS).toBe(89_478_485);
    const huge = png(10_000, 10_000, deflateSync(new Uint8Array(10)));
    expect(decodePng(huge)).toEqual(E.left(expect.stringContaining('declares 10000×10000 = 100000000 pixels, over the limit of 89478485')));
    const small = png(4, 4, deflateSync(new Uint8Array(4 * 13)));
    expect(decodePng(small, { maxPixels: 15 })).toEqual(E.left(expect.stringContaining('over the limit of 15')));
    expect(E.isRight(decodePng(small, { maxPixels: 16 }))).toBe(true);
    expect(() => decodePng(small, { maxPixels: 0 })).toThrow(/maxPixels must be a positive integer/);
  });
});

describe('JPEG declared sizes', () => {
  it('reads the frame header without decoding', () => {
    const frame = readJpegFrame(forgedJpeg(8000, 6000));
    expect(frame).toEqual(E.right({ width: 8000, height: 6000, marker: 0xc0, components: [{ h: 1, v: 1 }, { h: 1, v: 1 }, { h: 1, v: 1 }] }));
    // 1000 × 750 blocks per component, three components, one bit each.
    if (E.isRight(frame)) expect(minimumScanBytes(frame.right)).toBe(Math.ceil((3 * 1000 * 750) / 8));
    // 4:2:0: chroma planes are half size each way.
    expect(minimumScanBytes({ width: 64, height: 64, marker: 0xc0, components: [{ h: 2, v: 2 }, { h: 1, v: 1 }, { h: 1, v: 1 }] })).toBe(Math.ceil((64 + 16 + 16) / 8));
  });

  it('refuses a 23-byte file that declares 8000×8000 at once', () => {
    const forged = forgedJpeg(8000, 8000);
    expect(forged.length).toBe(23);
    expect(decodeJpeg(forged)).toEqual(E.left('the header declares 8000×8000, which needs at least 375000 bytes of image data; the file has 23 (truncated or forged)'));
    expect(decodeImage(forged)).toEqual(E.left(expect.stringMatching(/^corrupt or unsupported JPEG: the header declares 8000×8000/)));
  });

  it('applies the pixel cap to JPEG too', () => {
    expect(decodeJpeg(forgedJpeg(10_000, 9_000))).toEqual(E.left(expect.stringContaining('90000000 pixels, over the limit of 89478485')));
    expect(decodeJpeg(forgedJpeg(8, 8), { maxPixels: 63 })).toEqual(E.left(expect.stringContaining('over the limit of 63')));
  });

  it('names unsupported codings and missing headers', () => {
    const arithmetic = forgedJpeg(8, 8);
    arithmetic[3] = 0xc9;
    expect(decodeJpeg(arithmetic)).toEqual(E.left(expect.stringMatching(/^JPEG coding 0xc9 .* is not supported/)));
    expect(decodeJpeg(Uint8Array.of(0xff, 0xd8, 0xff, 0xd9))).toEqual(E.left('no frame header (SOF) before the end of image'));
    expect(decodeJpeg(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 200, 1))).toEqual(E.left('truncated marker segment 0xe0 at byte 2'));
  });
});
