import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { crc32, createImage, decodePng, encodePng, getPixel, readPng, setPixel, writePng } from '@mmada/tensor';

/** Builds a PNG by hand, with any colour type and per-row filter bytes already applied. */
function handPng(width: number, height: number, colorType: number, rows: number[][], extra: Array<[string, number[]]> = []): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const body = new Uint8Array([...Buffer.from(type, 'latin1'), ...data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.set(body, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, colorType, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    ...extra.map(([t, d]) => chunk(t, Uint8Array.from(d))),
    chunk('IDAT', deflateSync(Uint8Array.from(rows.flat()))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('IEND'))).toBe(0xae426082);
  });
});

describe('PNG encode / decode', () => {
  it('round-trips an RGB image', () => {
    const img = createImage(5, 3, [10, 20, 30]);
    setPixel(img, 4, 2, [255, 0, 128]);
    const bytes = encodePng(img);
    expect([...bytes.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const back = decodePng(bytes);
    expect(E.isRight(back) && back.right).toEqual(img);
    if (E.isRight(back)) expect(getPixel(back.right, 4, 2)).toEqual([255, 0, 128]);
  });

  it('decodes every filter type', () => {
    // 2×2 RGB. Row 0 uses Sub (1), row 1 uses Paeth (4); pixels: (10,20,30) (15,25,35) / (12,22,32) (20,30,40).
    const row0 = [1, 10, 20, 30, 5, 5, 5];
    // Paeth for row 1: first pixel predictor = b (up) → 2,2,2; second: a=12,b=15,c=10 → p=17 → closest b=15 → 5,5,5.
    const row1 = [4, 2, 2, 2, 5, 5, 5];
    const img = decodePng(handPng(2, 2, 2, [row0, row1]));
    expect(E.isRight(img) && [...img.right.data]).toEqual([10, 20, 30, 15, 25, 35, 12, 22, 32, 20, 30, 40]);
    // Up (2) and Average (3).
    const up = decodePng(handPng(1, 2, 2, [[0, 1, 2, 3], [2, 1, 1, 1]]));
    expect(E.isRight(up) && [...up.right.data]).toEqual([1, 2, 3, 2, 3, 4]);
    const avg = decodePng(handPng(2, 1, 2, [[3, 10, 20, 30, 1, 1, 1]]));
    expect(E.isRight(avg) && [...avg.right.data]).toEqual([10, 20, 30, 6, 11, 16]);
  });

  it('decodes greyscale, palette and alpha over white', () => {
    const grey = decodePng(handPng(1, 1, 0, [[0, 77]]));
    expect(E.isRight(grey) && [...grey.right.data]).toEqual([77, 77, 77]);
    const pal = decodePng(handPng(2, 1, 3, [[0, 1, 0]], [['PLTE', [1, 2, 3, 200, 100, 50]]]));
    expect(E.isRight(pal) && [...pal.right.data]).toEqual([200, 100, 50, 1, 2, 3]);
    const rgba = decodePng(handPng(2, 1, 6, [[0, 0, 0, 0, 0, 100, 0, 0, 255]]));
    expect(E.isRight(rgba) && [...rgba.right.data]).toEqual([255, 255, 255, 100, 0, 0]);
    const ga = decodePng(handPng(1, 1, 4, [[0, 0, 51]]));
    expect(E.isRight(ga) && [...ga.right.data]).toEqual([204, 204, 204]);
  });

  it('rejects damaged or unsupported files with a reason', () => {
    expect(decodePng(Buffer.from('hello'))).toEqual(E.left('not a PNG file (bad signature)'));
    const good = encodePng(createImage(2, 2));
    const corrupt = Uint8Array.from(good);
    corrupt[20] ^= 1;
    expect(decodePng(corrupt)).toEqual(E.left('CRC mismatch in IHDR chunk'));
    expect(decodePng(good.subarray(0, 40))).toMatchObject({ _tag: 'Left' });
    expect(decodePng(handPng(1, 1, 2, [[9, 1, 2, 3]]))).toEqual(E.left('unknown filter type 9 in row 0'));
    expect(decodePng(handPng(1, 1, 3, [[0, 0]]))).toEqual(E.left('palette image without PLTE chunk'));
  });

  it('writes and reads files; a missing file is a Left naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eval-png-'));
    const img = createImage(4, 4, [1, 2, 3]);
    await writePng(join(dir, 'a.png'), img);
    expect(await readPng(join(dir, 'a.png'))).toEqual(E.right(img));
    const missing = await readPng(join(dir, 'b.png'));
    expect(E.isLeft(missing) && missing.left).toBe(`${join(dir, 'b.png')}: cannot read file: ENOENT`);
    writeFileSync(join(dir, 'c.png'), 'junk');
    expect(await readPng(join(dir, 'c.png'))).toEqual(E.left(`${join(dir, 'c.png')}: not a PNG file (bad signature)`));
  });

  it('createImage rejects bad sizes', () => {
    expect(() => createImage(0, 3)).toThrow(RangeError);
  });
});
