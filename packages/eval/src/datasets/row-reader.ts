import { isRecord } from './raw-row.js';

/** A field that is missing or has the wrong type; layouts raise it and `readDataset` turns it into a Left. */
export class FieldError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** An image as the standard layouts store it: encoded bytes (Hugging Face parquet) and/or a path. */
export interface ImageRef {
  readonly bytes?: Uint8Array;
  readonly path?: string;
}

/** Typed access to the fields of one raw row; every accessor names the field when it fails. */
export class RowReader {
  constructor(readonly value: Readonly<Record<string, unknown>>, readonly row: number) {}

  has(field: string): boolean {
    return this.value[field] !== undefined && this.value[field] !== null;
  }

  string(field: string): string {
    const v = this.value[field];
    if (v === undefined) throw new FieldError(field, 'missing');
    if (typeof v !== 'string') throw new FieldError(field, `expected a string, got ${describe(v)}`);
    return v;
  }

  optionalString(field: string): string | undefined {
    return this.has(field) ? this.string(field) : undefined;
  }

  /** A string, or a number written as its decimal string (ids are either). */
  stringOrNumber(field: string): string {
    const v = this.value[field];
    if (typeof v === 'number') return String(v);
    return this.string(field);
  }

  integer(field: string): number {
    const v = this.value[field];
    if (v === undefined) throw new FieldError(field, 'missing');
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new FieldError(field, `expected an integer, got ${describe(v)} ${JSON.stringify(v)}`);
    return v;
  }

  stringArray(field: string): string[] {
    const v = this.value[field];
    if (v === undefined) throw new FieldError(field, 'missing');
    if (!Array.isArray(v)) throw new FieldError(field, `expected a list of strings, got ${describe(v)}`);
    v.forEach((x, k) => {
      if (typeof x !== 'string') throw new FieldError(`${field}[${k}]`, `expected a string, got ${describe(x)}`);
    });
    return v as string[];
  }

  /** `yes` / `no` in any case and with surrounding spaces. */
  yesNo(field: string): 'yes' | 'no' {
    const s = this.string(field).trim().toLowerCase();
    if (s !== 'yes' && s !== 'no') throw new FieldError(field, `expected "yes" or "no", got ${JSON.stringify(s)}`);
    return s;
  }

  /** The record id: the first present of `fields`, else the row number. */
  id(...fields: string[]): string {
    for (const f of fields) if (this.has(f)) return this.stringOrNumber(f);
    return String(this.row);
  }

  /** An image given as `{ bytes, path }` (Hugging Face) or as a path string; undefined when absent. */
  optionalImage(field: string): ImageRef | undefined {
    const v = this.value[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return { path: v };
    if (isRecord(v)) {
      const bytes = v.bytes instanceof Uint8Array ? v.bytes : undefined;
      const path = typeof v.path === 'string' ? v.path : undefined;
      if (bytes || path) return { ...(bytes && { bytes }), ...(path && { path }) };
    }
    throw new FieldError(field, `expected an image ({ bytes, path } or a path string), got ${describe(v)}`);
  }
}
