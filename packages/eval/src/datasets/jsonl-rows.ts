import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import * as E from 'fp-ts/lib/Either.js';
import type { DatasetError } from './dataset-error.js';
import { isRecord, type RawRow } from './raw-row.js';

/**
 * Streams the objects of a JSONL file, one per non-blank line. A line that is not a JSON object gives
 * a Left naming the line; reading continues with the next line. A missing file gives one Left.
 */
export async function* readJsonlRows(file: string): AsyncGenerator<E.Either<DatasetError, RawRow>> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<NodeJS.ErrnoException | null>((resolve) => {
    stream.once('ready', () => resolve(null));
    stream.once('error', (err) => resolve(err));
  });
  const openError = await opened;
  if (openError) {
    yield E.left({ file, message: `cannot read file: ${openError.code ?? openError.message}` });
    return;
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let row = 0;
  try {
    for await (const line of lines) {
      row++;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        yield E.left({ file, row, message: `invalid JSON: ${(err as Error).message}` });
        continue;
      }
      if (!isRecord(value)) {
        yield E.left({ file, row, message: `expected a JSON object, got ${Array.isArray(value) ? 'array' : typeof value}` });
        continue;
      }
      yield E.right({ row, value });
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}
