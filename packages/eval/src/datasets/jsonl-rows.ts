import * as E from 'fp-ts/lib/Either.js';
import { FileKindError, openRegularFile } from '@mmada/tensor';
import type { DatasetError } from './dataset-error.js';
import { isRecord, type RawRow } from './raw-row.js';

/** Splits a byte stream into lines (without the `\n`, and without a `\r` before it). */
async function* byteLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let carry: Uint8Array = new Uint8Array(0);
  for await (const chunk of chunks) {
    let start = 0;
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, i);
      const line = carry.byteLength === 0 ? piece : concat(carry, piece);
      carry = new Uint8Array(0);
      yield line.byteLength > 0 && line[line.byteLength - 1] === 0x0d ? line.subarray(0, -1) : line;
      start = i + 1;
    }
    if (start < chunk.byteLength) carry = concat(carry, chunk.subarray(start));
  }
  if (carry.byteLength > 0) yield carry[carry.byteLength - 1] === 0x0d ? carry.subarray(0, -1) : carry;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

/**
 * Streams the objects of a JSONL file, one per non-blank line. A line that is not a JSON object, or not
 * valid UTF-8, gives a Left naming the line; reading continues with the next line. A missing file, a FIFO
 * or a directory gives one Left, and so does a file with no rows at all (empty, or only blank lines).
 */
export async function* readJsonlRows(file: string): AsyncGenerator<E.Either<DatasetError, RawRow>> {
  let opened;
  try {
    opened = await openRegularFile(file, 'dataset');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    yield E.left({ file, message: err instanceof FileKindError ? err.detail : `cannot read file: ${e.code ?? e.message}` });
    return;
  }
  const { handle, size } = opened;
  // Fatal: invalid bytes are an error naming the row, not a silent U+FFFD.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let row = 0;
  let rows = 0;
  try {
    for await (const bytes of byteLines(handle.createReadStream({ autoClose: false }))) {
      row++;
      let line: string;
      try {
        line = decoder.decode(bytes);
      } catch {
        rows++;
        yield E.left({ file, row, message: 'invalid UTF-8' });
        continue;
      }
      if (line.trim() === '') continue;
      rows++;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        yield E.left({ file, row, message: `invalid JSON: ${(err as Error).message}` });
        continue;
      }
      if (!isRecord(value)) {
        yield E.left({ file, row, message: `expected a JSON object, got ${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value}` });
        continue;
      }
      yield E.right({ row, value });
    }
  } finally {
    await handle.close().catch(() => {});
  }
  if (rows === 0) {
    yield E.left({ file, message: size === 0 ? 'the file is empty: a JSONL dataset needs one JSON object per line' : `no rows: the file's ${row} lines are all blank` });
  }
}
