/** One undecoded record of a dataset file, with its 1-based row number (the line number for JSONL). */
export interface RawRow {
  readonly row: number;
  readonly value: Readonly<Record<string, unknown>>;
}

/** Parquet integers arrive as bigint; the layouts want plain numbers (ids and labels are small). */
export function toPlainValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(toPlainValue);
  if (v instanceof Uint8Array || v instanceof Date) return v;
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlainValue(x)]));
  }
  return v;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
