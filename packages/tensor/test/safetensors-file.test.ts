// safetensors on disk: positioned reads one tensor at a time, atomic writes, sharded checkpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { left as leftOf, right } from '../../../tests/support/either.js';
import {
  SafetensorsError,
  fileSource,
  openCheckpoint,
  openSafetensors,
  openSafetensorsFrom,
  serializeSafetensors,
  writeCheckpoint,
  writeSafetensorsFile,
  type ByteSource,
  type Checkpoint,
  type SafetensorsEntry,
  type SafetensorsStreamEntry,
} from '../src/io/index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmada-safetensors-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
let counter = 0;
const fresh = async () => {
  const d = join(root, `case-${counter++}`);
  await mkdir(d);
  return d;
};

const u8 = (n: number, start = 0) => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
const entry = (name: string, dtype: SafetensorsEntry['dtype'], shape: number[], start = 0): SafetensorsEntry => {
  const size = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8, U32: 4, U8: 1, BOOL: 1 }[dtype];
  return { name, dtype, shape, data: dtype === 'BOOL' ? u8(shape.reduce((a, b) => a * b, 1)).map((x) => x & 1) : u8(shape.reduce((a, b) => a * b, 1) * size, start) };
};

const left = <T>(te: () => Promise<E.Either<SafetensorsError, T>>) => leftOf(te, SafetensorsError);

/** Wraps a source, recording every read as [position, length]. */
function spy(source: ByteSource): { source: ByteSource; reads: [number, number][]; closed: () => boolean } {
  const reads: [number, number][] = [];
  let closed = false;
  return {
    reads,
    closed: () => closed,
    source: {
      size: source.size,
      read: (into, offset, length, position) => {
        reads.push([position, length]);
        return source.read(into, offset, length, position);
      },
      close: () => {
        closed = true;
        return source.close();
      },
    },
  };
}

const craft = (header: object, dataLength: number, headerLength?: bigint) => {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + dataLength);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.byteLength), true);
  out.set(json, 8);
  return out;
};

describe('openSafetensors', () => {
  it('parses the header and reads each tensor on demand', async () => {
    const dir = await fresh();
    const path = join(dir, 'model.safetensors');
    const entries = [entry('a', 'F32', [2, 3]), entry('b', 'I64', [4], 100), entry('c', 'BOOL', [5]), entry('d', 'F16', [0])];
    await writeFile(path, serializeSafetensors(entries, { framework: 'pt' }));
    const f = await right(openSafetensors(path));
    try {
      expect(f.path).toBe(path);
      expect(f.metadata).toEqual({ framework: 'pt' });
      expect(f.names).toEqual(['b', 'a', 'd', 'c']); // data order: I64, F32, F16 (empty), BOOL
      expect(f.info('a')).toEqual({ name: 'a', dtype: 'F32', shape: [2, 3], dataOffsets: [32, 56], byteLength: 24 });
      expect(f.info('nope')).toBeUndefined();
      for (const e of entries) expect(await f.readRaw(e.name)).toEqual(e.data);
      await expect(f.readRaw('nope')).rejects.toThrow(`${path}: tensor "nope": no such tensor in this file`);
    } finally {
      await f.close();
    }
    await expect(f.readRaw('a')).rejects.toThrow('file is closed');
  });

  it('streams: opening reads only the header, readRaw reads only that tensor’s byte range', async () => {
    const dir = await fresh();
    const path = join(dir, 'big.safetensors');
    const entries = Array.from({ length: 6 }, (_, i) => entry(`layer.${i}.weight`, 'F32', [64, 32], i));
    await writeFile(path, serializeSafetensors(entries));
    const s = spy(await fileSource(path));
    const f = await right(openSafetensorsFrom(s.source, path));
    const n = f.header.headerLength;
    expect(s.reads).toEqual([[0, 8], [8, n]]);
    s.reads.length = 0;
    const info = f.info('layer.3.weight')!;
    const bytes = await f.readRaw('layer.3.weight');
    expect(bytes.byteLength).toBe(64 * 32 * 4);
    expect(bytes).toEqual(entries[3]!.data);
    expect(s.reads).toEqual([[8 + n + info.dataOffsets[0], info.byteLength]]);
    const total = s.reads.reduce((acc, [, len]) => acc + len, 0);
    expect(total).toBeLessThan((await stat(path)).size / 5);
    await f.close();
    expect(s.closed()).toBe(true);
  });

  it('never allocates from a hostile header length: only the 8-byte prefix is read', async () => {
    for (const n of [0xffffffffffffffffn, 100_000_001n, 1_000_000n]) {
      const prefix = new Uint8Array(8);
      new DataView(prefix.buffer).setBigUint64(0, n, true);
      // A 64-byte "file" that serves its length prefix and fails on any other read.
      const s = spy({
        size: 64,
        read: async (into, offset, length, position) => {
          if (position !== 0) throw new Error('must not read past the prefix');
          into.set(prefix.subarray(0, length), offset);
          return Math.min(length, 8);
        },
        close: async () => {},
      });
      const e = await left(openSafetensorsFrom(s.source, 'hostile.safetensors'));
      expect(e.message).toMatch(/^hostile\.safetensors: header length \d+ (exceeds the 100 MB limit|is larger than the 56 bytes that follow it)/);
      expect(s.reads).toEqual([[0, 8]]);
      expect(s.closed()).toBe(true);
    }
  });

  it('reports malformed files on disk by path, and a missing file', async () => {
    const dir = await fresh();
    const cases: [string, Uint8Array, string][] = [
      ['short.safetensors', new Uint8Array(3), 'file is 3 bytes, too short to hold the 8-byte header length'],
      ['long.safetensors', craft({}, 0, 500n), 'header length 500 is larger than the 2 bytes that follow it; the file is truncated or not safetensors'],
      ['huge.safetensors', craft({}, 0, 200_000_000n), 'header length 200000000 exceeds the 100 MB limit (100000000 bytes); the file is corrupt or not safetensors'],
      ['dtype.safetensors', craft({ w: { dtype: 'Q4_K', shape: [1], data_offsets: [0, 1] } }, 1), 'tensor "w": unknown dtype Q4_K (supported: F32, F16, BF16, I32, I64, U32, U8, BOOL)'],
      ['outside.safetensors', craft({ w: { dtype: 'U8', shape: [9], data_offsets: [0, 9] } }, 8), 'tensor "w": data_offsets [0, 9] lie outside the data region of 8 bytes'],
    ];
    for (const [name, bytes, message] of cases) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      expect((await left(openSafetensors(path))).message).toBe(`${path}: ${message}`);
    }
    // A FIFO would block the open forever and a directory is no file: both are refused by what they are.
    const fifo = join(dir, 'pipe.safetensors');
    execFileSync('mkfifo', [fifo]);
    expect((await left(openSafetensors(fifo))).message).toBe(`${fifo}: is a FIFO (named pipe); the safetensors file must be a regular file`);
    expect((await left(openCheckpoint(fifo))).message).toBe(`${fifo}: is a FIFO (named pipe); the safetensors file must be a regular file`);
    expect((await left(openSafetensors(dir))).message).toBe(`${dir}: is a directory; the safetensors file must be a regular file`);
    const missing = await left(openSafetensors(join(dir, 'missing.safetensors')));
    expect(missing.message).toMatch(/missing\.safetensors: cannot open: ENOENT/);
  });

  it('reports a file truncated after it was opened', async () => {
    const dir = await fresh();
    const path = join(dir, 'shrinks.safetensors');
    await writeFile(path, serializeSafetensors([entry('a', 'U8', [16]), entry('b', 'U8', [16], 16)]));
    const f = await right(openSafetensors(path));
    await truncate(path, (await stat(path)).size - 8);
    await expect(f.readRaw('b')).rejects.toThrow(/tensor "b": file ended after \d+ bytes/);
    expect(await f.readRaw('a')).toEqual(u8(16));
    await f.close();
  });
});

describe('writeSafetensorsFile', () => {
  it('writes what serializeSafetensors writes, producing each tensor’s bytes one at a time', async () => {
    const dir = await fresh();
    const path = join(dir, 'out.safetensors');
    const entries = [entry('x', 'F32', [10]), entry('y', 'U8', [7], 3), entry('z', 'BF16', [3, 3], 9)];
    let live = 0;
    let maxLive = 0;
    const streamed: SafetensorsStreamEntry[] = entries.map((e) => ({
      ...e,
      data: async () => {
        live++;
        maxLive = Math.max(maxLive, live);
        await new Promise((r) => setTimeout(r, 1));
        queueMicrotask(() => live--);
        return e.data;
      },
    }));
    await right(writeSafetensorsFile(path, streamed, { a: 'b' }));
    expect(maxLive).toBe(1);
    expect(new Uint8Array(await readFile(path))).toEqual(serializeSafetensors(entries, { a: 'b' }));
    expect(await readdir(dir)).toEqual(['out.safetensors']);
  });

  it('an interrupted write leaves no file at the target and no temporary file', async () => {
    const dir = await fresh();
    const path = join(dir, 'model.safetensors');
    const e = await left(
      writeSafetensorsFile(path, [
        entry('a', 'F32', [1024]),
        { name: 'b', dtype: 'U8', shape: [4], data: () => Promise.reject(new Error('device lost')) },
      ]),
    );
    expect(e.message).toBe(`${path}: cannot write: device lost`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('an interrupted write leaves an existing file untouched', async () => {
    const dir = await fresh();
    const path = join(dir, 'model.safetensors');
    const old = serializeSafetensors([entry('old', 'U8', [3])]);
    await writeFile(path, old);
    const e = await left(writeSafetensorsFile(path, [{ name: 'w', dtype: 'F32', shape: [4], data: () => new Uint8Array(3) }]));
    expect(e.message).toBe(`${path}: tensor "w": 3 bytes given but shape [4] × F32 needs 16`);
    expect(new Uint8Array(await readFile(path))).toEqual(old);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('a failing rename (the target is a directory) leaves no temporary file behind', async () => {
    const dir = await fresh();
    const path = join(dir, 'model.safetensors');
    await mkdir(path);
    await writeFile(join(path, 'keep'), 'x');
    const e = await left(writeSafetensorsFile(path, [entry('a', 'U8', [4])]));
    expect(e.message).toMatch(/cannot write: E(ISDIR|NOTEMPTY|EXIST)/);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
    expect(await readdir(path)).toEqual(['keep']);
  });
});

describe('checkpoints', () => {
  const tensors = [entry('embed', 'F32', [16, 8]), entry('blocks.0.w', 'F32', [8, 8], 1), entry('blocks.1.w', 'BF16', [8, 8], 2), entry('ids', 'I64', [5], 3), entry('mask', 'BOOL', [7])];

  async function readAll(ckpt: Checkpoint): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    for (const n of ckpt.names) out.set(n, await ckpt.readRaw(n));
    return out;
  }

  it('writes shards + index under maxShardBytes and reads them back', async () => {
    const dir = join(await fresh(), 'ckpt');
    const written = await right(writeCheckpoint(dir, tensors, { maxShardBytes: 600, metadata: { format: 'pt' }, indexMetadata: { step: 7 } }));
    // embed (512 B) | blocks.0.w (256 B) + blocks.1.w (128 B) + ids (40 B) + mask (7 B)
    expect(written.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect(written.index).toBe('model.safetensors.index.json');
    expect((await readdir(dir)).sort()).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json']);
    expect((await readdir(join(dir, '..'))).filter((n) => n.includes('.tmp-'))).toEqual([]);
    const index = JSON.parse(await readFile(join(dir, 'model.safetensors.index.json'), 'utf8'));
    expect(index).toEqual({
      metadata: { step: 7, total_size: 512 + 256 + 128 + 40 + 7 },
      weight_map: {
        'blocks.0.w': 'model-00002-of-00002.safetensors',
        'blocks.1.w': 'model-00002-of-00002.safetensors',
        embed: 'model-00001-of-00002.safetensors',
        ids: 'model-00002-of-00002.safetensors',
        mask: 'model-00002-of-00002.safetensors',
      },
    });
    for (const path of [dir, join(dir, 'model.safetensors.index.json')]) {
      const ckpt = await right(openCheckpoint(path));
      expect(ckpt.metadata).toEqual(index.metadata);
      expect(new Set(ckpt.names)).toEqual(new Set(tensors.map((t) => t.name)));
      expect(ckpt.files.map((f) => f.metadata)).toEqual([{ format: 'pt' }, { format: 'pt' }]);
      expect(ckpt.info('embed')!.file).toBe(join(dir, 'model-00001-of-00002.safetensors'));
      const all = await readAll(ckpt);
      for (const t of tensors) expect(all.get(t.name)).toEqual(t.data);
      await ckpt.close();
    }
  });

  it('writes one model.safetensors when everything fits, and opens a directory, a file or a lone *.safetensors', async () => {
    const dir = await fresh();
    const written = await right(writeCheckpoint(dir, tensors));
    expect(written).toEqual({ files: ['model.safetensors'], index: undefined });
    expect(await readdir(dir)).toEqual(['model.safetensors']);
    for (const path of [dir, join(dir, 'model.safetensors')]) {
      const ckpt = await right(openCheckpoint(path));
      expect((await readAll(ckpt)).get('ids')).toEqual(tensors[3]!.data);
      await ckpt.close();
    }
    const other = await fresh();
    await writeFile(join(other, 'weights.safetensors'), serializeSafetensors(tensors));
    const ckpt = await right(openCheckpoint(other));
    expect(ckpt.path).toBe(join(other, 'weights.safetensors'));
    await ckpt.close();
  });

  it('loads a hand-made sharded checkpoint (index lists a subset; shards in a subfolder)', async () => {
    const dir = await fresh();
    await mkdir(join(dir, 'shards'));
    await writeFile(join(dir, 'shards', 'a.safetensors'), serializeSafetensors([tensors[0]!, tensors[1]!]));
    await writeFile(join(dir, 'shards', 'b.safetensors'), serializeSafetensors([tensors[2]!, tensors[3]!, entry('unlisted', 'U8', [2])]));
    await writeFile(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ metadata: { total_size: 936 }, weight_map: { embed: 'shards/a.safetensors', 'blocks.0.w': 'shards/a.safetensors', 'blocks.1.w': 'shards/b.safetensors', ids: 'shards/b.safetensors' } }),
    );
    const ckpt = await right(openCheckpoint(dir));
    expect(ckpt.names).toEqual(['blocks.0.w', 'embed', 'ids', 'blocks.1.w']); // shard by shard, data order within each
    expect(ckpt.info('unlisted')).toBeUndefined();
    const all = await readAll(ckpt);
    for (const t of tensors.slice(0, 4)) expect(all.get(t.name)).toEqual(t.data);
    await ckpt.close();
  });

  it('rejects an index pointing at a missing shard, a tensor its shard lacks, a tensor in two shards, and shards outside the directory', async () => {
    const dir = await fresh();
    const index = join(dir, 'model.safetensors.index.json');
    await writeFile(join(dir, 's1.safetensors'), serializeSafetensors([tensors[0]!, tensors[1]!]));
    await writeFile(join(dir, 's2.safetensors'), serializeSafetensors([tensors[1]!, tensors[2]!]));
    const withMap = (weight_map: Record<string, string>) => writeFile(index, JSON.stringify({ metadata: {}, weight_map }));

    await withMap({ embed: 's1.safetensors', 'blocks.1.w': 's3.safetensors' });
    expect((await left(openCheckpoint(dir))).message).toBe(`${index}: tensor "blocks.1.w": the index puts it in shard "s3.safetensors", which does not exist (${join(dir, 's3.safetensors')})`);

    await withMap({ embed: 's1.safetensors', ids: 's1.safetensors' });
    expect((await left(openCheckpoint(dir))).message).toBe(`${index}: tensor "ids": listed in the index under shard "s1.safetensors", but that shard has no such tensor`);

    await withMap({ embed: 's1.safetensors', 'blocks.0.w': 's1.safetensors', 'blocks.1.w': 's2.safetensors' });
    const dup = await left(openCheckpoint(dir));
    expect(dup.tensor).toBe('blocks.0.w');
    expect(dup.message).toBe(`${index}: tensor "blocks.0.w": present in two shards, "s1.safetensors" and "s2.safetensors"`);

    await withMap({ embed: '../s1.safetensors' });
    expect((await left(openCheckpoint(dir))).message).toBe(`${index}: tensor "embed": shard "../s1.safetensors" lies outside the checkpoint's directory`);

    await writeFile(index, '{"weight_map": ');
    expect((await left(openCheckpoint(dir))).message).toMatch(/index is not valid JSON/);
    await writeFile(index, '{"weight_map": {"embed": "s1.safetensors", "embed": "s2.safetensors"}}');
    expect((await left(openCheckpoint(dir))).message).toBe(`${index}: "embed" appears twice in weight_map; a reader would keep only one of them`);
    await writeFile(index, '{"metadata": {}}');
    expect((await left(openCheckpoint(dir))).message).toMatch(/index must have a "weight_map" object/);

    // A malformed shard is reported by the shard's own path.
    await writeFile(join(dir, 's1.safetensors'), craft({ embed: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, 4));
    await withMap({ embed: 's1.safetensors' });
    expect((await left(openCheckpoint(dir))).message).toBe(`${join(dir, 's1.safetensors')}: tensor "embed": data_offsets [0, 4] hold 4 bytes but shape [2] × F32 needs 8`);

    const empty = await fresh();
    expect((await left(openCheckpoint(empty))).message).toBe(`${empty}: no model.safetensors.index.json or model.safetensors in this directory`);
    expect((await left(openCheckpoint(join(empty, 'nothing')))).message).toMatch(/nothing: cannot open checkpoint: ENOENT/);
  });

  it('rewriting a checkpoint in place swaps it whole and removes the old files it no longer uses', async () => {
    const dir = await fresh();
    await writeFile(join(dir, 'config.json'), '{}');
    await right(writeCheckpoint(dir, tensors, { maxShardBytes: 100 }));
    expect((await readdir(dir)).filter((n) => n.endsWith('.safetensors')).length).toBe(4);
    // Sharded → single file: the old index and shards go, config.json stays.
    await right(writeCheckpoint(dir, [entry('only', 'U8', [3])]));
    expect((await readdir(dir)).sort()).toEqual(['config.json', 'model.safetensors']);
    // Single → sharded: the old model.safetensors goes.
    await right(writeCheckpoint(dir, tensors, { maxShardBytes: 600 }));
    expect((await readdir(dir)).sort()).toEqual(['config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json']);
    const ckpt = await right(openCheckpoint(dir));
    expect(new Set(ckpt.names)).toEqual(new Set(tensors.map((t) => t.name)));
    await ckpt.close();
  });

  it('an interrupted checkpoint write leaves nothing new behind', async () => {
    const failing: SafetensorsStreamEntry[] = [...tensors, { name: 'zz', dtype: 'U8', shape: [1], data: () => Promise.reject(new Error('out of memory')) }];
    // A new directory: it never appears.
    const parent = await fresh();
    const dir = join(parent, 'ckpt');
    const e = await left(writeCheckpoint(dir, failing, { maxShardBytes: 600 }));
    expect(e.message).toBe(`${dir}: cannot write checkpoint: out of memory`);
    expect(await readdir(parent)).toEqual([]);
    // An existing checkpoint: untouched.
    const existing = await fresh();
    await right(writeCheckpoint(existing, tensors, { maxShardBytes: 600 }));
    const before = new Map<string, Buffer>();
    for (const n of await readdir(existing)) before.set(n, await readFile(join(existing, n)));
    await left(writeCheckpoint(existing, failing, { maxShardBytes: 100 }));
    expect((await readdir(existing)).sort()).toEqual([...before.keys()].sort());
    for (const [n, b] of before) expect(await readFile(join(existing, n))).toEqual(b);
  });

  it('refuses a non-positive maxShardBytes, a name given twice (even across shards) and a target that is a file', async () => {
    const dir = await fresh();
    expect((await left(writeCheckpoint(dir, tensors, { maxShardBytes: 0 }))).message).toMatch(/maxShardBytes must be positive/);
    const dup = await left(writeCheckpoint(join(dir, 'dup'), [entry('a', 'U8', [400]), entry('a', 'U8', [400])], { maxShardBytes: 500 }));
    expect(dup.message).toBe(`${join(dir, 'dup')}: tensor "a": the same name is given twice`);
    expect(await readdir(dir)).toEqual([]);
    await writeFile(join(dir, 'file'), 'x');
    expect((await left(writeCheckpoint(join(dir, 'file'), tensors))).message).toMatch(/exists and is not a directory/);
  });
});
