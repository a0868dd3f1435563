/**
 * The safetensors format on raw bytes, independent of tensors and of any file system.
 *
 *   [8 bytes: N, little-endian u64] [N bytes: UTF-8 JSON header] [data region]
 *
 * The header maps tensor names to `{ dtype, shape, data_offsets: [begin, end] }` (offsets relative to the
 * data region) plus an optional `__metadata__` string → string map. Every length read from the file is
 * checked before anything is allocated from it. Validation follows the Rust `safetensors` crate: the header
 * starts with `{` (InvalidHeaderStart), names are unique, the tensors' ranges tile the data region with no
 * gap or overlap (InvalidOffset) and end exactly where the file ends (MetadataIncompleteBuffer).
 */
import * as E from 'fp-ts/lib/Either.js';
import { SafetensorsError, safetensorsError } from './safetensors-error.js';
import { findDuplicateJsonKey } from './json-duplicate-key.js';

/** The safetensors dtypes this library reads and writes. */
export type SafetensorsDType = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64' | 'U32' | 'U8' | 'BOOL';

/** Bytes per element of each dtype. */
export const SAFETENSORS_DTYPE_SIZE: Readonly<Record<SafetensorsDType, number>> = Object.freeze({
  F32: 4,
  F16: 2,
  BF16: 2,
  I32: 4,
  I64: 8,
  U32: 4,
  U8: 1,
  BOOL: 1,
});

export const SAFETENSORS_DTYPES: readonly SafetensorsDType[] = Object.keys(SAFETENSORS_DTYPE_SIZE) as SafetensorsDType[];

export function isSafetensorsDType(x: unknown): x is SafetensorsDType {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPE_SIZE, x);
}

/** The largest header accepted (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Where one tensor lives in a file. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** [begin, end) relative to the start of the data region. */
  readonly dataOffsets: readonly [number, number];
  /** end − begin. */
  readonly byteLength: number;
}

export interface SafetensorsHeader {
  /** The `__metadata__` map, or undefined when the file has none. */
  readonly metadata: Readonly<Record<string, string>> | undefined;
  /** Every tensor by name. */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** Tensor names in the order their data appears in the file (so reading them in order is sequential I/O). */
  readonly names: readonly string[];
  /** N, the JSON header's length in bytes. */
  readonly headerLength: number;
  /** 8 + N: the absolute offset of the data region. */
  readonly dataStart: number;
}

const fmt = (xs: readonly unknown[]): string => `[${xs.map((x) => (typeof x === 'string' ? JSON.stringify(x) : String(x))).join(', ')}]`;

/**
 * Reads N from the first 8 bytes and checks it against the file's size and the 100 MB limit.
 * `fileSize` is the size of the whole file (or buffer).
 */
export function parseHeaderLength(prefix: Uint8Array, fileSize: number, file: string): E.Either<SafetensorsError, number> {
  if (fileSize < 8 || prefix.byteLength < 8) {
    return E.left(safetensorsError(file, `file is ${fileSize} bytes, too short to hold the 8-byte header length`));
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    return E.left(safetensorsError(file, `header length ${n} exceeds the 100 MB limit (${MAX_HEADER_BYTES} bytes); the file is corrupt or not safetensors`));
  }
  if (n > BigInt(fileSize - 8)) {
    return E.left(safetensorsError(file, `header length ${n} is larger than the ${fileSize - 8} bytes that follow it; the file is truncated or not safetensors`));
  }
  if (n < 2n) return E.left(safetensorsError(file, `header length ${n} is too small to hold a JSON object`));
  return E.right(Number(n));
}

const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isIndex = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
/** A non-negative integer too large to be an offset or a dimension (2^53 and beyond lose precision as numbers). */
const isHugeInteger = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x > Number.MAX_SAFE_INTEGER;

/**
 * Parses and validates the N header bytes. `dataLength` is the size of the data region (file size − 8 − N):
 * every tensor's range must lie inside it, match its shape × dtype, and not overlap another tensor's range.
 */
export function parseHeaderJson(headerBytes: Uint8Array, dataLength: number, file: string): E.Either<SafetensorsError, SafetensorsHeader> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    return E.left(safetensorsError(file, 'header is not valid UTF-8'));
  }
  if (!text.startsWith('{')) {
    return E.left(safetensorsError(file, `header must start with "{", got ${JSON.stringify(text.slice(0, 16))} (InvalidHeaderStart); the file is corrupt or not safetensors`));
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return E.left(safetensorsError(file, `header is not valid JSON (${(e as Error).message})`));
  }
  if (!isPlainObject(json)) {
    return E.left(safetensorsError(file, `header must be a JSON object, got ${Array.isArray(json) ? 'an array' : json === null ? 'null' : typeof json}`));
  }
  const duplicate = findDuplicateJsonKey(text);
  if (duplicate !== undefined) {
    const where = duplicate.path === '$' ? 'the header' : `${duplicate.path.slice(2)} in the header`;
    return E.left(safetensorsError(file, `${JSON.stringify(duplicate.key)} appears twice in ${where}; a reader would keep only one of them`));
  }

  let metadata: Record<string, string> | undefined;
  const tensors = new Map<string, TensorInfo>();
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isPlainObject(value)) return E.left(safetensorsError(file, '__metadata__ must be an object of strings'));
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') return E.left(safetensorsError(file, `__metadata__ value for ${JSON.stringify(k)} must be a string, got ${JSON.stringify(v)}`));
      }
      metadata = Object.fromEntries(Object.entries(value as Record<string, string>));
      continue;
    }
    const info = parseEntry(name, value, dataLength, file);
    if (E.isLeft(info)) return info;
    tensors.set(name, info.right);
  }

  // The ranges, sorted by (begin, end), must tile the data region: each begins where the previous ended.
  const byOffset = [...tensors.values()].sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1] || (a.name < b.name ? -1 : 1));
  let last: TensorInfo | undefined;
  for (const t of byOffset) {
    const expected = last === undefined ? 0 : last.dataOffsets[1];
    if (t.dataOffsets[0] < expected && last !== undefined) {
      return E.left(safetensorsError(file, `data_offsets ${fmt(t.dataOffsets)} overlap those of tensor ${JSON.stringify(last.name)} ${fmt(last.dataOffsets)} (InvalidOffset)`, t.name));
    }
    if (t.dataOffsets[0] > expected) {
      const after = last === undefined ? 'the start of the data region' : `tensor ${JSON.stringify(last.name)} ${fmt(last.dataOffsets)}`;
      return E.left(safetensorsError(file, `data_offsets ${fmt(t.dataOffsets)} leave a gap of ${t.dataOffsets[0] - expected} bytes after ${after} (InvalidOffset)`, t.name));
    }
    last = t;
  }
  const end = last === undefined ? 0 : last.dataOffsets[1];
  if (end !== dataLength) {
    return E.left(safetensorsError(file, `the tensors' data ends at byte ${end} of the ${dataLength}-byte data region: ${dataLength - end} trailing bytes belong to no tensor (MetadataIncompleteBuffer)`));
  }
  return E.right({ metadata, tensors, names: byOffset.map((t) => t.name), headerLength: headerBytes.byteLength, dataStart: 8 + headerBytes.byteLength });
}

function parseEntry(name: string, value: unknown, dataLength: number, file: string): E.Either<SafetensorsError, TensorInfo> {
  const err = (detail: string) => E.left(safetensorsError(file, detail, name));
  if (!isPlainObject(value)) return err(`entry must be an object with dtype, shape and data_offsets, got ${JSON.stringify(value)}`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') return err(`dtype must be a string, got ${JSON.stringify(dtype)}`);
  if (!isSafetensorsDType(dtype)) return err(`unknown dtype ${dtype} (supported: ${SAFETENSORS_DTYPES.join(', ')})`);
  if (Array.isArray(shape) && shape.some(isHugeInteger)) return err(`shape ${JSON.stringify(shape)} is out of range (a dimension must be below 2^53)`);
  if (!Array.isArray(shape) || !shape.every(isIndex)) return err(`shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  if (Array.isArray(offsets) && offsets.length === 2 && offsets.every((o) => isIndex(o) || isHugeInteger(o)) && offsets.some(isHugeInteger)) {
    return err(`data_offsets ${fmt(offsets)} are out of range: the data region is ${dataLength} bytes`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    return err(`data_offsets must be [begin, end] with non-negative integers, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) return err(`data_offsets ${fmt(offsets)} have begin > end`);
  if (end > dataLength) return err(`data_offsets ${fmt(offsets)} lie outside the data region of ${dataLength} bytes`);
  const itemSize = SAFETENSORS_DTYPE_SIZE[dtype];
  // The element count, guarding against overflow: any product beyond the data region is already wrong.
  let count = 1;
  for (const d of shape as number[]) {
    if (d === 0) {
      count = 0;
      break;
    }
  }
  if (count !== 0) {
    for (const d of shape as number[]) {
      count *= d;
      if (count * itemSize > Number.MAX_SAFE_INTEGER) return err(`shape ${fmt(shape)} × ${dtype} is too large for a file`);
    }
  }
  const needed = count * itemSize;
  if (needed !== end - begin) {
    return err(`data_offsets ${fmt(offsets)} hold ${end - begin} bytes but shape ${fmt(shape)} × ${dtype} needs ${needed}`);
  }
  return E.right({ name, dtype, shape: Object.freeze([...(shape as number[])]), dataOffsets: Object.freeze([begin, end]) as readonly [number, number], byteLength: end - begin });
}

/** A whole safetensors file already in memory: its header and the data region (a view, not a copy). */
export interface ParsedSafetensors {
  readonly header: SafetensorsHeader;
  readonly data: Uint8Array;
}

/** Parses a safetensors file held in memory (`file` names it in errors). */
export function parseSafetensors(bytes: Uint8Array, file = '<buffer>'): E.Either<SafetensorsError, ParsedSafetensors> {
  const n = parseHeaderLength(bytes.subarray(0, 8), bytes.byteLength, file);
  if (E.isLeft(n)) return n;
  const dataStart = 8 + n.right;
  const header = parseHeaderJson(bytes.subarray(8, dataStart), bytes.byteLength - dataStart, file);
  if (E.isLeft(header)) return header;
  return E.right({ header: header.right, data: bytes.subarray(dataStart) });
}

/** The raw bytes of one tensor of an in-memory file (a view into `parsed.data`). */
export function tensorBytes(parsed: ParsedSafetensors, name: string): Uint8Array | undefined {
  const info = parsed.header.tensors.get(name);
  return info && parsed.data.subarray(info.dataOffsets[0], info.dataOffsets[1]);
}

// ---------------------------------------------------------------------------------------------------------
// Writing

/** A tensor to write: its safetensors dtype, shape, and data as little-endian bytes. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

/** Like SafetensorsEntry, but the bytes may be produced later, one tensor at a time, while the file is written. */
export interface SafetensorsStreamEntry {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly data: Uint8Array | (() => Uint8Array | Promise<Uint8Array>);
}

/** Where each entry goes: the header bytes (padded to a multiple of 8) and the entries in data order. */
export interface SafetensorsLayout {
  /** The 8-byte length prefix followed by the padded JSON header. */
  readonly headerBytes: Uint8Array;
  /** The entries in the order their data is written, with their offsets in the data region. */
  readonly order: readonly { readonly entry: SafetensorsStreamEntry; readonly begin: number; readonly end: number }[];
  /** Size of the data region. */
  readonly dataLength: number;
  /** Size of the whole file. */
  readonly fileLength: number;
}

export function byteLengthOf(dtype: SafetensorsDType, shape: readonly number[]): number {
  let n = SAFETENSORS_DTYPE_SIZE[dtype];
  for (const d of shape) n *= d;
  return n;
}

/**
 * Computes the header and data layout. Order follows the reference implementation: by dtype size
 * (largest first, so every tensor is aligned to its element size), then by name. The JSON is padded with
 * spaces to a multiple of 8 bytes, as the reference does. Throws a SafetensorsError for an invalid entry
 * (a duplicate or reserved name, a bad shape): these are programming errors, not bad input files.
 */
export function layoutSafetensors(
  entries: readonly SafetensorsStreamEntry[],
  metadata?: Readonly<Record<string, string>>,
  file = '<buffer>',
): SafetensorsLayout {
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.name === '__metadata__') throw safetensorsError(file, 'the name __metadata__ is reserved', e.name);
    if (seen.has(e.name)) throw safetensorsError(file, 'the same name is given twice', e.name);
    seen.add(e.name);
    if (!isSafetensorsDType(e.dtype)) throw safetensorsError(file, `unknown dtype ${String(e.dtype)}`, e.name);
    if (!e.shape.every(isIndex)) throw safetensorsError(file, `shape ${fmt(e.shape)} must hold non-negative integers`, e.name);
    if (e.data instanceof Uint8Array && e.data.byteLength !== byteLengthOf(e.dtype, e.shape)) {
      throw safetensorsError(file, `${e.data.byteLength} bytes given but shape ${fmt(e.shape)} × ${e.dtype} needs ${byteLengthOf(e.dtype, e.shape)}`, e.name);
    }
  }
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw safetensorsError(file, `metadata value for ${JSON.stringify(k)} must be a string`);
    }
  }
  const sorted = [...entries].sort(
    (a, b) => SAFETENSORS_DTYPE_SIZE[b.dtype] - SAFETENSORS_DTYPE_SIZE[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  // Built by hand rather than from an object so that the key order is exactly the data order (an object
  // would enumerate integer-like names first).
  const parts: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort();
    parts.push(`"__metadata__":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
  }
  let offset = 0;
  const order = sorted.map((entry) => {
    const begin = offset;
    offset += byteLengthOf(entry.dtype, entry.shape);
    parts.push(`${JSON.stringify(entry.name)}:${JSON.stringify({ dtype: entry.dtype, shape: [...entry.shape], data_offsets: [begin, offset] })}`);
    return { entry, begin, end: offset };
  });
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const headerBytes = new Uint8Array(8 + padded).fill(0x20, 8 + json.byteLength);
  new DataView(headerBytes.buffer).setBigUint64(0, BigInt(padded), true);
  headerBytes.set(json, 8);
  return { headerBytes, order, dataLength: offset, fileLength: headerBytes.byteLength + offset };
}

/** Serialises tensors (raw little-endian bytes) and optional metadata to one safetensors file in memory. */
export function serializeSafetensors(entries: readonly SafetensorsEntry[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const layout = layoutSafetensors(entries, metadata);
  const out = new Uint8Array(layout.fileLength);
  out.set(layout.headerBytes, 0);
  for (const { entry, begin } of layout.order) out.set(entry.data as Uint8Array, layout.headerBytes.byteLength + begin);
  return out;
}
