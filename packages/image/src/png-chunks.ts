/**
 * A first pass over a PNG's chunk list, before any inflation: the header fields, the critical chunks and
 * the size the image data must inflate to. Nothing here allocates in proportion to the declared image.
 */
import * as E from 'fp-ts/lib/Either.js';
import { crc32 } from './crc32.js';

export const PNG_SIGNATURE: readonly number[] = [137, 80, 78, 71, 13, 10, 26, 10];

/** Samples per pixel of each PNG colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA). */
export const PNG_CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  readonly colorType: number;
  readonly interlaced: boolean;
}

export interface PngChunks {
  readonly header: PngHeader;
  /** The compressed image data, IDAT chunks in order. */
  readonly idat: readonly Uint8Array[];
  /** The same PNG with only IHDR, PLTE, tRNS (of a palette), IDAT and IEND: no other chunk (iCCP, zTXt, iTXt) is ever inflated. */
  readonly essential: Uint8Array;
  /** Grey or RGB images: the sample values (in the file's depth) of the one colour tRNS makes transparent. */
  readonly transparentKey?: readonly number[];
}

/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
];

/** Bytes the image data inflates to: per row a filter byte plus the packed samples, summed over the passes. */
export function inflatedSize(h: PngHeader): number {
  const bits = h.depth * PNG_CHANNELS[h.colorType]!;
  const rowsOf = (w: number, rows: number) => (w > 0 && rows > 0 ? rows * (1 + Math.ceil((w * bits) / 8)) : 0);
  if (!h.interlaced) return rowsOf(h.width, h.height);
  return ADAM7.reduce((n, [x0, y0, dx, dy]) => n + rowsOf(Math.ceil((h.width - x0) / dx), Math.ceil((h.height - y0) / dy)), 0);
}

function parseHeader(data: Uint8Array): E.Either<string, PngHeader> {
  if (data.length !== 13) return E.left(`IHDR chunk is ${data.length} bytes, expected 13`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const width = view.getUint32(0), height = view.getUint32(4);
  const [depth, colorType, compression, filter, interlace] = data.subarray(8, 13) as unknown as number[];
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) return E.left(`IHDR declares an invalid size ${width}×${height}`);
  if (!(colorType! in PNG_CHANNELS)) return E.left(`IHDR declares unknown colour type ${colorType}`);
  if (!DEPTHS[colorType!]!.includes(depth!)) return E.left(`IHDR declares bit depth ${depth}, not allowed for colour type ${colorType} (expected one of ${DEPTHS[colorType!]!.join(', ')})`);
  if (compression !== 0) return E.left(`IHDR declares compression method ${compression}, expected 0`);
  if (filter !== 0) return E.left(`IHDR declares filter method ${filter}, expected 0`);
  if (interlace !== 0 && interlace !== 1) return E.left(`IHDR declares interlace method ${interlace}, expected 0 or 1`);
  return E.right({ width, height, depth: depth!, colorType: colorType!, interlaced: interlace === 1 });
}

/** Walks the chunks, checking lengths, CRCs (of the chunks kept) and order; a Left says what is wrong. */
export function scanPngChunks(bytes: Uint8Array): E.Either<string, PngChunks> {
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return E.left('not a PNG file (bad signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: PngHeader | undefined;
  let sawPalette = false, ended = false;
  let transparentKey: number[] | undefined;
  const idat: Uint8Array[] = [];
  const kept: Uint8Array[] = [bytes.subarray(0, 8)];
  let off = 8;
  while (off < bytes.length && !ended) {
    if (off + 12 > bytes.length) return E.left(`truncated chunk header at byte ${off}`);
    const len = view.getUint32(off);
    const type = String.fromCharCode(...bytes.subarray(off + 4, off + 8));
    if (len > 0x7fffffff || off + 12 + len > bytes.length) return E.left(`truncated ${type} chunk (declares ${len} bytes, ${bytes.length - off - 12} left)`);
    const whole = bytes.subarray(off, off + 12 + len);
    const data = bytes.subarray(off + 8, off + 8 + len);
    const keep = type === 'IHDR' || type === 'PLTE' || type === 'tRNS' || type === 'IDAT' || type === 'IEND';
    if (keep && crc32(bytes.subarray(off + 4, off + 8 + len)) !== view.getUint32(off + 8 + len)) return E.left(`CRC mismatch in ${type} chunk`);
    if (header === undefined && type !== 'IHDR') return E.left(`first chunk is ${type}, expected IHDR`);
    if (type === 'IHDR') {
      if (header !== undefined) return E.left('more than one IHDR chunk');
      const h = parseHeader(data);
      if (E.isLeft(h)) return h;
      header = h.right;
    } else if (type === 'PLTE') sawPalette = true;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'tRNS' && header !== undefined && header.colorType !== 3) {
      // Read here rather than by the codec: it is two bytes per channel, one colour.
      const { colorType } = header;
      const channels = PNG_CHANNELS[colorType]!;
      if (colorType === 4 || colorType === 6) return E.left(`tRNS chunk in an image with an alpha channel (colour type ${colorType})`);
      if (len !== 2 * channels) return E.left(`tRNS chunk is ${len} bytes, expected ${2 * channels} for colour type ${colorType}`);
      transparentKey = Array.from({ length: channels }, (_, i) => view.getUint16(off + 8 + 2 * i));
      off += 12 + len;
      continue;
    }
    else if (type === 'IEND') ended = true;
    else if ((bytes[off + 4]! & 0x20) === 0) return E.left(`unknown critical chunk ${type}`);
    if (keep) kept.push(whole);
    off += 12 + len;
  }
  if (header === undefined) return E.left('missing IHDR chunk');
  if (idat.length === 0) return E.left('missing IDAT chunk');
  if (!ended) return E.left('missing IEND chunk (file truncated?)');
  if (header.colorType === 3 && !sawPalette) return E.left('palette image without PLTE chunk');
  const essential = new Uint8Array(kept.reduce((n, k) => n + k.length, 0));
  kept.reduce((at, k) => (essential.set(k, at), at + k.length), 0);
  return E.right({ header, idat, essential, ...(transparentKey && { transparentKey }) });
}
