// The pure safetensors layer: bytes in, bytes out; no files, no tensors.
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/Either';
import { bf16BitsToF32, f16BitsToF32 } from '../src/dtype.js';
import {
  SafetensorsError,
  decodeTensorBytes,
  encodeTensorValues,
  layoutSafetensors,
  parseSafetensors,
  serializeSafetensors,
  tensorBytes,
  type SafetensorsDType,
  type SafetensorsEntry,
} from '../src/io/index.js';

const enc = new TextEncoder();

/** A file by hand: N as little-endian u64, the header text as given (no padding), then `data`. */
function craft(header: string | object, data: Uint8Array | number = 0, headerLength?: bigint): Uint8Array {
  const json = enc.encode(typeof header === 'string' ? header : JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.byteLength + body.byteLength);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(body, 8 + json.byteLength);
  return out;
}

function parseError(bytes: Uint8Array, file = 'model.safetensors'): SafetensorsError {
  const r = parseSafetensors(bytes, file);
  if (E.isRight(r)) throw new Error('expected a Left');
  expect(r.left).toBeInstanceOf(SafetensorsError);
  expect(r.left.file).toBe(file);
  return r.left;
}

const bytesOf = (...xs: number[]) => Uint8Array.from(xs);

describe('safetensors format: reference bytes', () => {
  it('matches the reference implementation byte for byte (safetensors test_pt_comparison.py test_in_memory)', () => {
    // save({"test": torch.zeros((2, 2), dtype=torch.float32)}) in huggingface/safetensors:
    // b'@\x00\x00\x00\x00\x00\x00\x00{"test":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}    ' + 16 zero bytes
    const expected = new Uint8Array([
      0x40, 0, 0, 0, 0, 0, 0, 0,
      ...enc.encode('{"test":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}    '),
      ...new Uint8Array(16),
    ]);
    const out = serializeSafetensors([{ name: 'test', dtype: 'F32', shape: [2, 2], data: new Uint8Array(16) }]);
    expect(Array.from(out)).toEqual(Array.from(expected));
    const parsed = parseSafetensors(expected);
    expect(E.isRight(parsed)).toBe(true);
    if (E.isRight(parsed)) {
      expect(parsed.right.header.names).toEqual(['test']);
      expect(parsed.right.header.tensors.get('test')).toEqual({ name: 'test', dtype: 'F32', shape: [2, 2], dataOffsets: [0, 16], byteLength: 16 });
      expect(parsed.right.header.dataStart).toBe(72);
    }
  });

  it('writes a hand-computed multi-dtype file with metadata: aligned order, sorted metadata, space padding, little-endian data', () => {
    const f32 = new Uint8Array(new Float32Array([1.5]).buffer); // 0x3fc00000 → 00 00 c0 3f
    const i64 = bytesOf(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 5, 0, 0, 0, 0, 0, 0, 0); // [-1, 5]
    const out = serializeSafetensors(
      [
        { name: 'u', dtype: 'U8', shape: [3], data: bytesOf(1, 2, 3) },
        { name: 'h', dtype: 'F16', shape: [], data: bytesOf(0x00, 0x3c) }, // 1.0
        { name: 'f', dtype: 'F32', shape: [1], data: f32 },
        { name: 'b', dtype: 'I64', shape: [2], data: i64 },
      ],
      { version: '1', format: 'pt' },
    );
    // I64 (8-byte elements) first, then F32, F16, U8; metadata keys sorted; compact JSON padded with spaces.
    const json =
      '{"__metadata__":{"format":"pt","version":"1"},' +
      '"b":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},' +
      '"f":{"dtype":"F32","shape":[1],"data_offsets":[16,20]},' +
      '"h":{"dtype":"F16","shape":[],"data_offsets":[20,22]},' +
      '"u":{"dtype":"U8","shape":[3],"data_offsets":[22,25]}}';
    expect(json.length).toBe(46 + 54 + 55 + 54 + 54); // = 263
    const padded = 264; // the next multiple of 8: one space
    const expected = [
      padded & 0xff, padded >> 8, 0, 0, 0, 0, 0, 0, // 264 = 0x0108, little-endian
      ...enc.encode(json), 0x20,
      ...i64,
      0x00, 0x00, 0xc0, 0x3f,
      0x00, 0x3c,
      1, 2, 3,
    ];
    expect(Array.from(out)).toEqual(expected);
  });

  it('keeps the header in data order even for integer-like names', () => {
    const out = serializeSafetensors([
      { name: 'b', dtype: 'U8', shape: [1], data: bytesOf(1) },
      { name: '10', dtype: 'U8', shape: [1], data: bytesOf(2) },
      { name: '2', dtype: 'U8', shape: [1], data: bytesOf(3) },
    ]);
    const text = new TextDecoder().decode(out.subarray(8, 8 + Number(new DataView(out.buffer).getBigUint64(0, true))));
    expect(text.indexOf('"10"')).toBeLessThan(text.indexOf('"2"'));
    expect(text.indexOf('"2"')).toBeLessThan(text.indexOf('"b"'));
    expect(text.trimEnd().endsWith('}')).toBe(true);
  });

  it('is independent of the order entries are given in', () => {
    const a: SafetensorsEntry = { name: 'a', dtype: 'I32', shape: [1], data: bytesOf(1, 0, 0, 0) };
    const b: SafetensorsEntry = { name: 'b', dtype: 'I32', shape: [1], data: bytesOf(2, 0, 0, 0) };
    expect(serializeSafetensors([a, b])).toEqual(serializeSafetensors([b, a]));
  });
});

describe('safetensors format: round trips on raw bytes', () => {
  const ALL: SafetensorsDType[] = ['F32', 'F16', 'BF16', 'I32', 'I64', 'U32', 'U8', 'BOOL'];
  const size: Record<SafetensorsDType, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8, U32: 4, U8: 1, BOOL: 1 };

  it('round-trips every dtype, scalars and empty tensors, with metadata', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const shapes = [[], [0, 3], [3], [2, 3, 1], [5, 7]];
    const entries: SafetensorsEntry[] = [];
    for (const dtype of ALL) {
      shapes.forEach((shape, i) => {
        const n = shape.reduce((a, b) => a * b, 1) * size[dtype];
        entries.push({ name: `${dtype}.${i}`, dtype, shape, data: Uint8Array.from({ length: n }, () => (dtype === 'BOOL' ? rand() & 1 : rand())) });
      });
    }
    entries.push({ name: '__proto__', dtype: 'U8', shape: [1], data: bytesOf(7) });
    const bytes = serializeSafetensors(entries, { note: 'round trip', 'ünïcode': '✓' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const parsed = parseSafetensors(bytes, 'rt.safetensors');
    if (E.isLeft(parsed)) throw parsed.left;
    expect(parsed.right.header.metadata).toEqual({ note: 'round trip', 'ünïcode': '✓' });
    expect(new Set(parsed.right.header.names)).toEqual(new Set(entries.map((e) => e.name)));
    for (const e of entries) {
      const info = parsed.right.header.tensors.get(e.name)!;
      expect(info.dtype).toBe(e.dtype);
      expect(info.shape).toEqual(e.shape);
      expect(tensorBytes(parsed.right, e.name)).toEqual(e.data);
      // Every tensor is aligned to its element size inside the data region.
      expect(info.dataOffsets[0] % size[e.dtype]).toBe(0);
    }
  });

  it('decodes BF16 to f32 exactly and encodes f32 to BF16 / F16 rounding to nearest even', () => {
    const bf16 = bytesOf(0x80, 0x3f, 0x40, 0xc0, 0x49, 0x40, 0x80, 0x7f); // 1, -3, 3.140625, +inf
    const r = decodeTensorBytes({ name: 'w', dtype: 'BF16' }, bf16, 'f');
    if (E.isLeft(r)) throw r.left;
    expect(r.right.dtype).toBe('f32');
    expect(Array.from(r.right.data)).toEqual([1, -3, 3.140625, Infinity]);
    // Back: exact values are kept; 1 + 2^-8 is halfway between 1 and 1 + 2^-7 → even (1).
    const back = encodeTensorValues(new Float32Array([1, -3, 3.140625, Infinity, 1 + 2 ** -8, 1 + 3 * 2 ** -8]), 'f32', 'BF16', 'w', 'f');
    const bits = Array.from(new Uint16Array(back.buffer, back.byteOffset, 6));
    expect(bits.slice(0, 4)).toEqual([0x3f80, 0xc040, 0x4049, 0x7f80]);
    expect(bf16BitsToF32(bits[4]!)).toBe(1);
    expect(bf16BitsToF32(bits[5]!)).toBe(1 + 2 * 2 ** -7);
    const f16 = encodeTensorValues(new Float32Array([1, 1 + 2 ** -11, 65504, 1e6]), 'f32', 'F16', 'w', 'f');
    const h = Array.from(new Uint16Array(f16.buffer, f16.byteOffset, 4));
    expect(h.map(f16BitsToF32)).toEqual([1, 1, 65504, Infinity]);
  });

  it('decodes I64 to i32 when every value fits, and names the first that does not', () => {
    const i64 = (...vs: bigint[]) => new Uint8Array(BigInt64Array.from(vs).buffer);
    const ok = decodeTensorBytes({ name: 'ids', dtype: 'I64' }, i64(0n, -1n, 2147483647n, -2147483648n), 'f');
    if (E.isLeft(ok)) throw ok.left;
    expect(ok.right.dtype).toBe('i32');
    expect(Array.from(ok.right.data)).toEqual([0, -1, 2147483647, -2147483648]);
    for (const bad of [2147483648n, -2147483649n, 1n << 40n]) {
      const r = decodeTensorBytes({ name: 'ids', dtype: 'I64' }, i64(1n, bad), 'ckpt.safetensors');
      expect(E.isLeft(r) && r.left.message).toBe(`ckpt.safetensors: tensor "ids": I64 value ${bad} at index 1 does not fit in i32 (the widest integer dtype here)`);
    }
    // i32 → I64 sign-extends, u32 → I64 zero-extends.
    const s = encodeTensorValues(new Int32Array([-2, 3]), 'i32', 'I64', 'x', 'f');
    expect(Array.from(new BigInt64Array(s.buffer, s.byteOffset, 2))).toEqual([-2n, 3n]);
    const u = encodeTensorValues(new Uint32Array([0xffffffff]), 'u32', 'I64', 'x', 'f');
    expect(Array.from(new BigInt64Array(u.buffer, u.byteOffset, 1))).toEqual([4294967295n]);
  });

  it('decodes U8 to u32, BOOL to 0/1, and checks U8 range when writing', () => {
    const u = decodeTensorBytes({ name: 'm', dtype: 'U8' }, bytesOf(0, 255, 7), 'f');
    expect(E.isRight(u) && [u.right.dtype, Array.from(u.right.data)]).toEqual(['u32', [0, 255, 7]]);
    const b = decodeTensorBytes({ name: 'm', dtype: 'BOOL' }, bytesOf(0, 1, 2), 'f');
    expect(E.isRight(b) && [b.right.dtype, Array.from(b.right.data)]).toEqual(['bool', [0, 1, 1]]);
    expect(Array.from(encodeTensorValues(new Uint32Array([0, 255]), 'u32', 'U8', 'm', 'f'))).toEqual([0, 255]);
    expect(() => encodeTensorValues(new Uint32Array([0, 256]), 'u32', 'U8', 'm', 'f')).toThrow('f: tensor "m": value 256 at index 1 does not fit in U8');
    expect(() => encodeTensorValues(new Int32Array([1]), 'i32', 'F32', 'm', 'f')).toThrow('a i32 tensor cannot be written as F32 (choose one of I32, I64)');
  });

  it('copies unaligned data before viewing it', () => {
    const buf = new Uint8Array(9);
    buf.set(new Uint8Array(new Float32Array([2.5, -1]).buffer), 1);
    const r = decodeTensorBytes({ name: 'x', dtype: 'F32' }, buf.subarray(1), 'f');
    expect(E.isRight(r) && Array.from(r.right.data)).toEqual([2.5, -1]);
  });

  it('refuses invalid entries when writing', () => {
    expect(() => serializeSafetensors([{ name: 'a', dtype: 'F32', shape: [2], data: new Uint8Array(4) }])).toThrow('tensor "a": 4 bytes given but shape [2] × F32 needs 8');
    const a: SafetensorsEntry = { name: 'a', dtype: 'U8', shape: [1], data: bytesOf(1) };
    expect(() => serializeSafetensors([a, a])).toThrow('the same name is given twice');
    expect(() => serializeSafetensors([{ ...a, name: '__metadata__' }])).toThrow('reserved');
    expect(() => serializeSafetensors([{ ...a, shape: [-1] }])).toThrow('non-negative integers');
    expect(() => layoutSafetensors([], { k: 1 as unknown as string })).toThrow('metadata value for "k" must be a string');
  });
});

describe('safetensors format: malformed headers', () => {
  const entry = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

  it('rejects a file too short for the length prefix', () => {
    expect(parseError(new Uint8Array(5)).message).toBe('model.safetensors: file is 5 bytes, too short to hold the 8-byte header length');
  });

  it('rejects a header length larger than the file', () => {
    const bytes = craft({}, 10, 1000n);
    expect(parseError(bytes).message).toBe(`model.safetensors: header length 1000 is larger than the ${bytes.byteLength - 8} bytes that follow it; the file is truncated or not safetensors`);
  });

  it('rejects a header length over 100 MB (and a u64 beyond 2^53) before looking further', () => {
    expect(parseError(craft({}, 0, 100_000_001n)).message).toMatch(/^model\.safetensors: header length 100000001 exceeds the 100 MB limit/);
    expect(parseError(craft({}, 0, 0xffffffffffffffffn)).message).toMatch(/header length 18446744073709551615 exceeds the 100 MB limit/);
  });

  it('rejects a header that is not JSON, not UTF-8, or not an object', () => {
    expect(parseError(craft('{"a": nope}')).message).toMatch(/^model\.safetensors: header is not valid JSON \(/);
    expect(parseError(craft('[1, 2]')).message).toBe('model.safetensors: header must start with "{", got "[1, 2]" (InvalidHeaderStart); the file is corrupt or not safetensors');
    expect(parseError(craft('null')).message).toMatch(/header must start with "\{", got "null" \(InvalidHeaderStart\)/);
    expect(parseError(craft('{"a":1}"x"')).message).toMatch(/^model\.safetensors: header is not valid JSON \(/);
    const bad = craft('{"a":1}');
    bad[10] = 0xff;
    expect(parseError(bad).message).toBe('model.safetensors: header is not valid UTF-8');
  });

  it('rejects offsets outside the data region', () => {
    const e = parseError(craft({ w: entry('F32', [8], [0, 32]) }, 16));
    expect(e.tensor).toBe('w');
    expect(e.message).toBe('model.safetensors: tensor "w": data_offsets [0, 32] lie outside the data region of 16 bytes');
  });

  it('rejects overlapping ranges, naming both tensors', () => {
    const e = parseError(craft({ a: entry('F32', [4], [0, 16]), b: entry('F32', [4], [8, 24]) }, 24));
    expect(e.message).toBe('model.safetensors: tensor "b": data_offsets [8, 24] overlap those of tensor "a" [0, 16] (InvalidOffset)');
    // Containment, listed in the other order.
    const c = parseError(craft({ inner: entry('U8', [2], [4, 6]), outer: entry('U8', [10], [0, 10]) }, 10));
    expect(c.message).toBe('model.safetensors: tensor "inner": data_offsets [4, 6] overlap those of tensor "outer" [0, 10] (InvalidOffset)');
    // A range inside an earlier long one, after a short one that ends first.
    const d = parseError(craft({ a: entry('U8', [10], [0, 10]), b: entry('U8', [2], [2, 4]), c: entry('U8', [2], [5, 7]) }, 10));
    expect(d.tensor).toBe('b');
  });

  it('accepts ranges that tile the data region, empty tensors at a boundary, and a space-padded header', () => {
    const r = parseSafetensors(craft({ a: entry('U8', [4], [0, 4]), e: entry('F32', [0], [4, 4]), b: entry('U8', [2], [4, 6]), c: entry('U8', [1], [6, 7]) }, 7));
    expect(E.isRight(r) && r.right.header.names).toEqual(['a', 'e', 'b', 'c']);
    expect(E.isRight(parseSafetensors(craft('{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}   ', 1)))).toBe(true);
    expect(E.isRight(parseSafetensors(craft({}, 0)))).toBe(true);
  });

  it('rejects a gap between tensors or before the first, as the Rust crate does (InvalidOffset)', () => {
    const gap = parseError(craft({ a: entry('U8', [4], [0, 4]), b: entry('U8', [2], [6, 8]) }, 8));
    expect(gap.tensor).toBe('b');
    expect(gap.message).toBe('model.safetensors: tensor "b": data_offsets [6, 8] leave a gap of 2 bytes after tensor "a" [0, 4] (InvalidOffset)');
    expect(parseError(craft({ a: entry('U8', [4], [3, 7]) }, 7)).message).toBe('model.safetensors: tensor "a": data_offsets [3, 7] leave a gap of 3 bytes after the start of the data region (InvalidOffset)');
    // An empty tensor inside another's range is an overlap, not a free pass.
    expect(parseError(craft({ a: entry('U8', [4], [0, 4]), e: entry('F32', [0], [2, 2]) }, 4)).tensor).toBe('e');
  });

  it('rejects trailing bytes that belong to no tensor (MetadataIncompleteBuffer)', () => {
    const e = parseError(craft({ a: entry('U8', [4], [0, 4]) }, 6));
    expect(e.tensor).toBeUndefined();
    expect(e.message).toBe("model.safetensors: the tensors' data ends at byte 4 of the 6-byte data region: 2 trailing bytes belong to no tensor (MetadataIncompleteBuffer)");
    expect(parseError(craft({}, 1)).message).toMatch(/ends at byte 0 of the 1-byte data region/);
  });

  it('rejects a tensor name or metadata key given twice (JSON.parse would keep the last copy)', () => {
    const twice = '{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}';
    expect(parseError(craft(twice, 2)).message).toBe('model.safetensors: "w" appears twice in the header; a reader would keep only one of them');
    // Equal after unescaping.
    const escaped = '{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"\\u0077":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}';
    expect(parseError(craft(escaped, 2)).message).toMatch(/"w" appears twice in the header/);
    const meta = '{"__metadata__":{"k":"1","k":"2"}}';
    expect(parseError(craft(meta)).message).toBe('model.safetensors: "k" appears twice in __metadata__ in the header; a reader would keep only one of them');
    const field = '{"w":{"dtype":"U8","dtype":"F32","shape":[1],"data_offsets":[0,1]}}';
    expect(parseError(craft(field, 1)).message).toMatch(/"dtype" appears twice in w in the header/);
  });

  it('says "out of range" for offsets and dimensions of 2^53 and beyond', () => {
    const e = parseError(craft({ w: entry('U8', [1], [0, 2 ** 60]) }, 1));
    expect(e.message).toBe('model.safetensors: tensor "w": data_offsets [0, 1152921504606847000] are out of range: the data region is 1 bytes');
    expect(parseError(craft({ w: entry('U8', [2 ** 60], [0, 1]) }, 1)).message).toMatch(/tensor "w": shape \[1152921504606847000\] is out of range/);
  });

  it('rejects an unknown dtype', () => {
    const e = parseError(craft({ 'layer.0.bias': entry('F64', [1], [0, 8]) }, 8));
    expect(e.message).toBe('model.safetensors: tensor "layer.0.bias": unknown dtype F64 (supported: F32, F16, BF16, I32, I64, U32, U8, BOOL)');
  });

  it('rejects a shape × dtype that does not match the byte range', () => {
    const e = parseError(craft({ 'blocks.0.q_proj.weight': entry('F32', [4, 8], [0, 96]) }, 128));
    expect(e.tensor).toBe('blocks.0.q_proj.weight');
    expect(e.message).toBe('model.safetensors: tensor "blocks.0.q_proj.weight": data_offsets [0, 96] hold 96 bytes but shape [4, 8] × F32 needs 128');
  });

  it('rejects begin > end', () => {
    expect(parseError(craft({ w: entry('U8', [0], [8, 4]) }, 8)).message).toBe('model.safetensors: tensor "w": data_offsets [8, 4] have begin > end');
  });

  it('rejects malformed entries, shapes, offsets and metadata', () => {
    expect(parseError(craft({ w: 3 })).message).toMatch(/tensor "w": entry must be an object/);
    expect(parseError(craft({ w: { shape: [1], data_offsets: [0, 1] } }, 1)).message).toBe('model.safetensors: tensor "w": dtype must be a string, got undefined');
    expect(parseError(craft({ w: entry('U8', [-1], [0, 1]) }, 1)).message).toMatch(/tensor "w": shape must be an array of non-negative integers, got \[-1\]/);
    expect(parseError(craft({ w: entry('U8', [1.5], [0, 1]) }, 1)).message).toMatch(/shape must be an array/);
    expect(parseError(craft({ w: entry('U8', '3', [0, 1]) }, 1)).message).toMatch(/shape must be an array/);
    expect(parseError(craft({ w: entry('U8', [1], [0, 1, 2]) }, 1)).message).toMatch(/data_offsets must be \[begin, end\]/);
    expect(parseError(craft({ w: entry('U8', [1], [-1, 0]) }, 1)).message).toMatch(/data_offsets must be \[begin, end\]/);
    expect(parseError(craft({ w: entry('U8', [2 ** 30, 2 ** 30, 2 ** 30], [0, 1]) }, 1)).message).toMatch(/too large/);
    expect(parseError(craft({ __metadata__: { a: 1 } })).message).toBe('model.safetensors: __metadata__ value for "a" must be a string, got 1');
    expect(parseError(craft({ __metadata__: [] })).message).toBe('model.safetensors: __metadata__ must be an object of strings');
  });
});
