// PNG and JPEG decoding under damaged files: an image or a Left with the reason, within the time and memory bounds.
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { encode as encodeFastPng } from 'fast-png';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { unzlibSync, zlibSync } from 'fflate';

const zlibInflate = (data: Uint8Array): Uint8Array => {
  try {
    return unzlibSync(data);
  } catch {
    return data;
  }
};
import { crc32, createImage, decodeImage, decodeJpeg, decodePng, encodePng, setPixel, type RgbImage } from '@mmada/image';
import { fuzzParser, type Outcome } from './fuzz-parser.js';
import { damagedBytes } from './mutations.js';

/** The chunks of a PNG: [type, data] after the 8-byte signature. */
function chunksOf(png: Uint8Array): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let at = 8; at + 12 <= png.byteLength; ) {
    const length = view.getUint32(at);
    out.push([String.fromCharCode(...png.subarray(at + 4, at + 8)), png.slice(at + 8, at + 8 + length)]);
    at += 12 + length;
  }
  return out;
}

/** A PNG from chunks, every CRC correct (so damage inside a chunk reaches the decoder instead of the CRC check). */
function pngOf(chunks: readonly (readonly [string, Uint8Array])[]): Uint8Array {
  const parts: number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  for (const [type, data] of chunks) {
    const typed = Uint8Array.from([...type].map((c) => c.charCodeAt(0)).concat(...data));
    const len = data.byteLength;
    const crc = crc32(typed);
    parts.push(len >>> 24, (len >>> 16) & 255, (len >>> 8) & 255, len & 255, ...typed, crc >>> 24, (crc >>> 16) & 255, (crc >>> 8) & 255, crc & 255);
  }
  return Uint8Array.from(parts);
}

function picture(width: number, height: number): RgbImage {
  const img = createImage(width, height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) setPixel(img, x, y, [(x * 37) & 255, (y * 53) & 255, ((x + y) * 11) & 255]);
  return img;
}

/** An image or a Left whose reason is a non-empty string; a decoded image's buffer matches its size. */
function checkDecoded(r: E.Either<string, RgbImage>): Outcome {
  if (E.isLeft(r)) {
    expect(typeof r.left === 'string' && r.left.trim() !== '').toBe(true);
    return 'error';
  }
  expect(r.right.data.length).toBe(r.right.width * r.right.height * 3);
  return 'value';
}

const pngs = [
  encodePng(picture(5, 4)),
  encodePng(picture(1, 1)),
  // Other colour types and depths the decoder takes: 16-bit grey, RGBA, and a 1-bit image.
  encodeFastPng({ width: 3, height: 3, data: Uint16Array.from({ length: 9 }, (_, i) => i * 7000), depth: 16, channels: 1 }),
  encodeFastPng({ width: 4, height: 2, data: Uint8Array.from({ length: 32 }, (_, i) => i * 8), depth: 8, channels: 4 }),
  encodeFastPng({ width: 8, height: 2, data: Uint8Array.from([0b10101010, 0b01010101]), depth: 1, channels: 1 }),
];

function jpegOf(img: RgbImage, quality: number): Uint8Array {
  const rgba = new Uint8Array(img.width * img.height * 4);
  for (let i = 0; i < img.width * img.height; i++) rgba.set([img.data[3 * i]!, img.data[3 * i + 1]!, img.data[3 * i + 2]!, 255], 4 * i);
  return new Uint8Array(jpeg.encode({ data: rgba, width: img.width, height: img.height }, quality).data);
}
const jpegs = [jpegOf(picture(8, 8), 90), jpegOf(picture(17, 9), 50)];

describe('fuzz: images', () => {
  it('decodePng: damaged PNG files', async () => {
    await fuzzParser({ parser: 'PNG', inputs: damagedBytes(pngs), run: (bytes) => checkDecoded(decodePng(bytes)), numRuns: 1000 });
  });

  it('decodePng: damage inside chunks with correct CRCs (header fields, compressed and raw scanlines)', async () => {
    const bases = pngs.map(chunksOf);
    const inputs = fc
      .tuple(fc.nat({ max: bases.length - 1 }), fc.nat(), fc.boolean())
      .chain(([b, c, raw]) => {
        const chunks = bases[b]!;
        const which = c % chunks.length;
        const [type, data] = chunks[which]!;
        // IDAT: damage the inflated scanlines and deflate them again, so the filter and size checks are reached.
        const target = type === 'IDAT' && raw ? zlibInflate(data) : data;
        return damagedBytes([target], 3).map((damaged) => {
          const next = chunks.map(([t, d], i) => [t, i === which ? (type === 'IDAT' && raw ? zlibSync(damaged) : damaged) : d] as const);
          return pngOf(next);
        });
      });
    await fuzzParser({ parser: 'PNG (chunk contents)', inputs, run: (bytes) => checkDecoded(decodePng(bytes)), numRuns: 800 });
  });

  it('decodeJpeg: damaged JPEG files', async () => {
    await fuzzParser({ parser: 'JPEG', inputs: damagedBytes(jpegs), run: (bytes) => checkDecoded(decodeJpeg(bytes)), numRuns: 600 });
  });

  it('decodeImage: arbitrary bytes, and bytes behind a PNG or JPEG signature', async () => {
    const signed = fc.tuple(fc.constantFrom(pngs[0]!.subarray(0, 8), jpegs[0]!.subarray(0, 3), new Uint8Array(0)), fc.uint8Array({ maxLength: 96 })).map(([sig, rest]) => Uint8Array.from([...sig, ...rest]));
    await fuzzParser({ parser: 'image (any bytes)', inputs: signed, run: (bytes) => checkDecoded(decodeImage(bytes)), numRuns: 400 });
  });
});
