import { crc32 } from '@mmada/image';

const SIGNATURE = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);

/** One PNG chunk: big-endian length, type, data, and the CRC-32 of type + data. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/**
 * A PNG file built by hand (for files an encoder would not write: bombs, odd depths, damaged data): IHDR from
 * the given fields, the `extra` chunks, one IDAT holding `idat` as given (already deflated), IEND.
 */
export function pngBytes(
  header: { width: number; height: number; depth?: number; colorType?: number },
  idat: Uint8Array,
  extra: ReadonlyArray<readonly [string, Uint8Array]> = [],
): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(header.width, 0);
  ihdr.writeUInt32BE(header.height, 4);
  ihdr.set([header.depth ?? 8, header.colorType ?? 2, 0, 0, 0], 8);
  return Buffer.concat([SIGNATURE, pngChunk('IHDR', ihdr), ...extra.map(([t, d]) => pngChunk(t, d)), pngChunk('IDAT', idat), pngChunk('IEND', new Uint8Array(0))]);
}
