import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { pngBytes } from '../../../tests/support/png-bytes.js';
import { crc32, createImage, decodePng, encodePng, getPixel, inflatedSize, scanPngChunks, setPixel } from '@mmada/image';

/** Builds a PNG by hand, with any colour type and per-row filter bytes already applied. */
export function handPng(width: number, height: number, colorType: number, rows: number[][], extra: Array<[string, number[]]> = [], depth = 8): Uint8Array {
  return pngBytes({ width, height, depth, colorType }, deflateSync(Uint8Array.from(rows.flat())), extra.map(([t, d]) => [t, Uint8Array.from(d)] as const));
}

const fixtures = new URL('./fixtures/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', fixtures), 'utf8')) as Record<string, { width: number; height: number; rgb: number[] }>;

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('IEND'))).toBe(0xae426082);
  });
});

describe('decodePng', () => {
  it('round-trips an RGB image through encodePng', () => {
    const img = createImage(5, 3, [10, 20, 30]);
    setPixel(img, 4, 2, [255, 0, 128]);
    const bytes = encodePng(img);
    expect([...bytes.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const back = decodePng(bytes);
    expect(E.isRight(back) && back.right).toEqual(img);
    if (E.isRight(back)) expect(getPixel(back.right, 4, 2)).toEqual([255, 0, 128]);
  });

  it.each(Object.keys(expected))('decodes %s as Pillow does (16-bit, interlaced, 1-bit, palette + tRNS)', (name) => {
    const got = decodePng(readFileSync(new URL(name, fixtures)));
    const want = expected[name]!;
    expect(E.isRight(got)).toBe(true);
    if (E.isRight(got)) {
      expect([got.right.width, got.right.height]).toEqual([want.width, want.height]);
      expect([...got.right.data]).toEqual(want.rgb);
    }
  });

  it('decodes every filter type', () => {
    // 2×2 RGB. Row 0 uses Sub (1), row 1 uses Paeth (4); pixels: (10,20,30) (15,25,35) / (12,22,32) (20,30,40).
    const row0 = [1, 10, 20, 30, 5, 5, 5];
    // Paeth for row 1: first pixel predictor = b (up) → 2,2,2; second: a=12,b=15,c=10 → p=17 → closest b=15 → 5,5,5.
    const row1 = [4, 2, 2, 2, 5, 5, 5];
    const img = decodePng(handPng(2, 2, 2, [row0, row1]));
    expect(E.isRight(img) && [...img.right.data]).toEqual([10, 20, 30, 15, 25, 35, 12, 22, 32, 20, 30, 40]);
    const up = decodePng(handPng(1, 2, 2, [[0, 1, 2, 3], [2, 1, 1, 1]]));
    expect(E.isRight(up) && [...up.right.data]).toEqual([1, 2, 3, 2, 3, 4]);
    const avg = decodePng(handPng(2, 1, 2, [[3, 10, 20, 30, 1, 1, 1]]));
    expect(E.isRight(avg) && [...avg.right.data]).toEqual([10, 20, 30, 6, 11, 16]);
  });

  it('decodes greyscale, palette, alpha over white and a tRNS key colour', () => {
    const grey = decodePng(handPng(1, 1, 0, [[0, 77]]));
    expect(E.isRight(grey) && [...grey.right.data]).toEqual([77, 77, 77]);
    const pal = decodePng(handPng(2, 1, 3, [[0, 1, 0]], [['PLTE', [1, 2, 3, 200, 100, 50]]]));
    expect(E.isRight(pal) && [...pal.right.data]).toEqual([200, 100, 50, 1, 2, 3]);
    const rgba = decodePng(handPng(2, 1, 6, [[0, 0, 0, 0, 0, 100, 0, 0, 255]]));
    expect(E.isRight(rgba) && [...rgba.right.data]).toEqual([255, 255, 255, 100, 0, 0]);
    const ga = decodePng(handPng(1, 1, 4, [[0, 0, 51]]));
    expect(E.isRight(ga) && [...ga.right.data]).toEqual([204, 204, 204]);
    const keyed = decodePng(handPng(2, 1, 2, [[0, 1, 2, 3, 4, 5, 6]], [['tRNS', [0, 1, 0, 2, 0, 3]]]));
    expect(E.isRight(keyed) && [...keyed.right.data]).toEqual([255, 255, 255, 4, 5, 6]);
    const twoBit = decodePng(handPng(3, 1, 0, [[0, 0b00011011]], [], 2));
    expect(E.isRight(twoBit) && [...twoBit.right.data]).toEqual([0, 0, 0, 85, 85, 85, 170, 170, 170]);
  });

  it('keeps the high byte of 16-bit samples', () => {
    const data = Uint16Array.of(0x1234, 0xabcd, 0x00ff, 0xff00, 0x8001, 0x7fff);
    const got = decodePng(encode({ width: 2, height: 1, data, channels: 3, depth: 16 }));
    expect(E.isRight(got) && [...got.right.data]).toEqual([0x12, 0xab, 0x00, 0xff, 0x80, 0x7f]);
  });

  it('rejects damaged or unsupported files with a reason', () => {
    expect(decodePng(Buffer.from('hello'))).toEqual(E.left('not a PNG file (bad signature)'));
    const good = encodePng(createImage(2, 2));
    const corrupt = Uint8Array.from(good);
    corrupt[20] ^= 1;
    expect(decodePng(corrupt)).toEqual(E.left('CRC mismatch in IHDR chunk'));
    expect(decodePng(good.subarray(0, 40))).toMatchObject({ _tag: 'Left' });
    expect(decodePng(handPng(1, 1, 2, [[9, 1, 2, 3]]))).toEqual(E.left('corrupt image data: Unsupported filter: 9'));
    expect(decodePng(handPng(1, 1, 3, [[0, 0]]))).toEqual(E.left('palette image without PLTE chunk'));
    expect(decodePng(handPng(2, 1, 3, [[0, 0, 5]], [['PLTE', [1, 2, 3]]]))).toEqual(E.left('corrupt image data: palette index 5 out of range (1 colours)'));
    expect(decodePng(handPng(1, 1, 2, [[0, 1, 2, 3]], [], 4))).toEqual(E.left('IHDR declares bit depth 4, not allowed for colour type 2 (expected one of 8, 16)'));
    expect(decodePng(handPng(1, 1, 2, [[0, 1, 2, 3]], [['AbCD', [1]]]))).toEqual(E.left('unknown critical chunk AbCD'));
    const noEnd = handPng(1, 1, 2, [[0, 1, 2, 3]]);
    expect(decodePng(noEnd.subarray(0, noEnd.length - 12))).toEqual(E.left('missing IEND chunk (file truncated?)'));
  });

  it('never inflates chunks other than the image data (an iCCP bomb is skipped)', () => {
    const iccp = [...Buffer.from('icc\0\0', 'latin1'), ...deflateSync(new Uint8Array(8 << 20))];
    const got = decodePng(handPng(1, 1, 2, [[0, 9, 8, 7]], [['iCCP', iccp]]));
    expect(E.isRight(got) && [...got.right.data]).toEqual([9, 8, 7]);
    const scanned = scanPngChunks(handPng(1, 1, 2, [[0, 9, 8, 7]], [['iCCP', iccp]]));
    expect(E.isRight(scanned) && scanned.right.essential.length).toBe(handPng(1, 1, 2, [[0, 9, 8, 7]]).length);
  });
});

describe('createImage', () => {
  it('fills with one colour and rejects sizes that are not positive integers', () => {
    const img = createImage(2, 1, [1, 2, 3]);
    expect([...img.data]).toEqual([1, 2, 3, 1, 2, 3]);
    expect(() => createImage(0, 3)).toThrow(/image size must be positive integers, got 0×3/);
    expect(() => createImage(1.5, 3)).toThrow(RangeError);
  });
});

describe('inflatedSize', () => {
  it('counts a filter byte per row and packed samples, per Adam7 pass when interlaced', () => {
    expect(inflatedSize({ width: 5, height: 3, depth: 8, colorType: 2, interlaced: false })).toBe(3 * (1 + 15));
    expect(inflatedSize({ width: 13, height: 2, depth: 1, colorType: 0, interlaced: false })).toBe(2 * (1 + 2));
    // 1×1 interlaced: only pass 1 holds a pixel.
    expect(inflatedSize({ width: 1, height: 1, depth: 16, colorType: 6, interlaced: true })).toBe(1 + 8);
    // 8×8 interlaced, 8-bit grey: pass rows × (1 + width) = 1·2 + 1·2 + 1·3 + 2·3 + 2·5 + 4·5 + 4·9.
    expect(inflatedSize({ width: 8, height: 8, depth: 8, colorType: 0, interlaced: true })).toBe(2 + 2 + 3 + 6 + 10 + 20 + 36);
  });
});
