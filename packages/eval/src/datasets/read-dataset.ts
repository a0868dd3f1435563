import * as E from 'fp-ts/lib/Either.js';
import { type DatasetError, DatasetReadError } from './dataset-error.js';
import type { DatasetLayout } from './layouts.js';
import { readRows } from './read-rows.js';
import { FieldError, RowReader } from './row-reader.js';

/**
 * Streams a dataset file (JSONL or Parquet) as typed records. Each malformed row is a Left that names
 * the file, the row and the field; the stream goes on with the next row.
 */
export async function* readDataset<T>(file: string, layout: DatasetLayout<T>): AsyncGenerator<E.Either<DatasetError, T>> {
  for await (const raw of readRows(file)) {
    if (E.isLeft(raw)) {
      yield raw;
      continue;
    }
    const { row, value } = raw.right;
    try {
      yield E.right(layout.decode(new RowReader(value, row)));
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      yield E.left({ file, row, field: err.field, message: `${err.message} (${layout.name} layout)` });
    }
  }
}

/** Reads a whole dataset; the first malformed row makes the result a Left. */
export async function loadDataset<T>(file: string, layout: DatasetLayout<T>): Promise<E.Either<DatasetError, T[]>> {
  const records: T[] = [];
  for await (const r of readDataset(file, layout)) {
    if (E.isLeft(r)) return r;
    records.push(r.right);
  }
  return E.right(records);
}

/** Streams records and throws a `DatasetReadError` (with file, row and field in its message) at the first malformed row. */
export async function* readDatasetOrThrow<T>(file: string, layout: DatasetLayout<T>): AsyncGenerator<T> {
  for await (const r of readDataset(file, layout)) {
    if (E.isLeft(r)) throw new DatasetReadError(r.left);
    yield r.right;
  }
}
