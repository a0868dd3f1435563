// Tensors to and from safetensors: dtype mapping, round trips, streaming, checkpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { left, right } from '../../../tests/support/either.js';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits, fromRaw, init, memory, tensor, type Tensor } from '../src/index.js';
import {
  SafetensorsError,
  loadSafetensors,
  loadSafetensorsOrThrow,
  openSafetensors,
  saveCheckpoint,
  saveSafetensors,
  serializeSafetensors,
  streamTensors,
} from '../src/io/index.js';

let root: string;
let counter = 0;
beforeAll(async () => {
  await init({ device: 'cpu' });
  root = await mkdtemp(join(tmpdir(), 'mmada-safetensors-tensor-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
const fresh = async () => {
  const d = join(root, `case-${counter++}`);
  await mkdir(d);
  return d;
};

const disposeAll = (ts: Record<string, Tensor>) => Object.values(ts).forEach((t) => t.dispose());
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('tensor safetensors I/O', () => {
  it('round-trips f32, f16, i32, u32 and bool tensors exactly, with metadata', async () => {
    const path = join(await fresh(), 'model.safetensors');
    const f32 = new Float32Array([0, -1.5, 3.25e-8, 1e30, -Infinity, 0.1]);
    const f16bits = Uint16Array.from([0x3c00, 0xc000, 0x0001, 0x7bff, 0x7c00, 0x3555]);
    const saved = {
      'blocks.0.w': fromRaw(f32, [2, 3], 'f32'),
      half: fromRaw(f16bits, [6], 'f16'),
      ids: tensor([[-2147483648, 2147483647], [0, -7]], undefined, 'i32'),
      bits: fromRaw(new Uint32Array([0, 1, 0xffffffff, 0x80000000]), [4], 'u32'),
      mask: tensor([true, false, true], undefined, 'bool'),
      scalar: tensor(4.5),
      empty: fromRaw(new Float32Array(0), [0, 3], 'f32'),
    };
    await right(saveSafetensors(path, saved, { metadata: { format: 'pt' } }));
    const f = await right(openSafetensors(path));
    expect(f.metadata).toEqual({ format: 'pt' });
    expect(Object.fromEntries(f.names.map((n) => [n, f.info(n)!.dtype]))).toEqual({ 'blocks.0.w': 'F32', half: 'F16', ids: 'I32', bits: 'U32', mask: 'BOOL', scalar: 'F32', empty: 'F32' });
    expect(await f.readRaw('half')).toEqual(bytesOf(f16bits)); // raw f16 bits are kept
    await f.close();

    const loaded = await right(loadSafetensors(path));
    expect(Object.keys(loaded).sort()).toEqual(Object.keys(saved).sort());
    for (const [name, t] of Object.entries(saved)) {
      const l = loaded[name]!;
      expect([name, l.dtype, l.shape]).toEqual([name, t.dtype, t.shape]);
      expect(Array.from(await l.data())).toEqual(Array.from(await t.data()));
    }
    expect(Array.from(await loaded.half!.data())).toEqual(Array.from(f16bits, f16BitsToF32));
    disposeAll(saved);
    disposeAll(loaded);
  });

  it('writes f32 as BF16 or F16 when asked (round to nearest even) and reads BF16 back as f32', async () => {
    const path = join(await fresh(), 'cast.safetensors');
    const values = [1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.14159, -65504, 1e-6, 70000];
    const w = tensor(values);
    const v = tensor(values);
    await right(saveSafetensors(path, { w, v }, { dtypes: { w: 'BF16', v: 'F16' } }));
    const f = await right(openSafetensors(path));
    expect([f.info('w')!.dtype, f.info('v')!.dtype]).toEqual(['BF16', 'F16']);
    await f.close();
    const loaded = await right(loadSafetensors(path, { bf16: 'f32' }));
    expect(loaded.w!.dtype).toBe('f32');
    expect(loaded.v!.dtype).toBe('f16');
    const f32 = Array.from(new Float32Array(values));
    expect(Array.from(await loaded.w!.data())).toEqual(f32.map((x) => bf16BitsToF32(f32ToBf16Bits(x))));
    expect(Array.from(await loaded.v!.data())).toEqual(f32.map((x) => f16BitsToF32(f32ToF16Bits(x))));
    expect(Array.from(await loaded.w!.data()).slice(0, 3)).toEqual([1, 1, 1 + 2 ** -6]);
    // A function chooses per tensor.
    const p2 = join(await fresh(), 'fn.safetensors');
    await right(saveSafetensors(p2, { w, v }, { dtypes: (name) => (name === 'w' ? 'BF16' : undefined) }));
    const f2 = await right(openSafetensors(p2));
    expect([f2.info('w')!.dtype, f2.info('v')!.dtype]).toEqual(['BF16', 'F32']);
    await f2.close();
    disposeAll({ w, v, ...loaded });
  });

  it('reads I64 as i32 (range-checked), U8 as u32 and BOOL as bool', async () => {
    const dir = await fresh();
    const path = join(dir, 'ints.safetensors');
    await writeFile(
      path,
      serializeSafetensors([
        { name: 'ids', dtype: 'I64', shape: [3], data: bytesOf(BigInt64Array.from([5n, -1n, 2147483647n])) },
        { name: 'bytes', dtype: 'U8', shape: [2, 2], data: Uint8Array.from([0, 1, 128, 255]) },
        { name: 'flags', dtype: 'BOOL', shape: [2], data: Uint8Array.from([1, 0]) },
      ]),
    );
    const t = await right(loadSafetensors(path));
    expect([t.ids!.dtype, Array.from(await t.ids!.data())]).toEqual(['i32', [5, -1, 2147483647]]);
    expect([t.bytes!.dtype, t.bytes!.shape, Array.from(await t.bytes!.data())]).toEqual(['u32', [2, 2], [0, 1, 128, 255]]);
    expect([t.flags!.dtype, Array.from(await t.flags!.data())]).toEqual(['bool', [1, 0]]);
    disposeAll(t);

    // i32 written as I64 reads back as the same i32.
    const i = tensor([-3, 4], undefined, 'i32');
    const p64 = join(dir, 'i64.safetensors');
    await right(saveSafetensors(p64, { i }, { dtypes: { i: 'I64' } }));
    const back = await right(loadSafetensors(p64));
    expect(Array.from(await back.i!.data())).toEqual([-3, 4]);
    disposeAll({ i, ...back });
  });

  it('a failed load names the file and tensor and leaves nothing allocated', async () => {
    const path = join(await fresh(), 'bad.safetensors');
    await writeFile(
      path,
      serializeSafetensors([
        { name: 'a', dtype: 'F32', shape: [4], data: new Uint8Array(16) },
        { name: 'tokens', dtype: 'I64', shape: [2], data: bytesOf(BigInt64Array.from([1n, 1n << 33n])) },
      ]),
    );
    const before = memory();
    const e = await left(loadSafetensors(path));
    expect(e.message).toBe(`${path}: tensor "tokens": I64 value 8589934592 at index 1 does not fit in i32 (the widest integer dtype here)`);
    expect(memory()).toEqual(before);
    await expect(loadSafetensorsOrThrow(path)).rejects.toBeInstanceOf(SafetensorsError);
    await expect(loadSafetensorsOrThrow(join(path, '..', 'missing.safetensors'))).rejects.toThrow(/missing\.safetensors: cannot open checkpoint: ENOENT/);
  });

  it('refuses a lossy or meaningless write without leaving a file', async () => {
    const dir = await fresh();
    const i = tensor([1, 2], undefined, 'i32');
    const u = fromRaw(new Uint32Array([1, 300]), [2], 'u32');
    expect((await left(saveSafetensors(join(dir, 'a.safetensors'), { i }, { dtypes: { i: 'F32' } }))).message).toBe(
      `${join(dir, 'a.safetensors')}: tensor "i": a i32 tensor cannot be written as F32 (choose one of I32, I64)`,
    );
    expect((await left(saveSafetensors(join(dir, 'b.safetensors'), { u }, { dtypes: { u: 'U8' } }))).message).toBe(
      `${join(dir, 'b.safetensors')}: tensor "u": value 300 at index 1 does not fit in U8`,
    );
    expect(await readdir(dir)).toEqual([]);
    disposeAll({ i, u });
  });

  it('streams a sharded checkpoint one tensor at a time', async () => {
    const dir = join(await fresh(), 'ckpt');
    const saved: Record<string, Tensor> = {};
    for (let l = 0; l < 4; l++) saved[`model.layers.${l}.weight`] = tensor(Array.from({ length: 48 }, (_, k) => l * 100 + k), [6, 8]);
    saved['model.embed'] = tensor([[1, 2], [3, 4]], undefined, 'i32');
    const written = await right(saveCheckpoint(dir, saved, { maxShardBytes: 300, metadata: { format: 'pt' } }));
    expect(written.files.length).toBe(4); // 192-byte layers one per shard; the 16-byte embed joins the last
    expect(written.index).toBe('model.safetensors.index.json');

    const before = memory().tensors;
    const seen: string[] = [];
    for await (const [name, t] of streamTensors(dir)) {
      // Only the yielded tensor is alive: the previous one was disposed by the loop body.
      expect(memory().tensors).toBe(before + 1);
      expect(t.shape).toEqual(saved[name]!.shape);
      expect(Array.from(await t.data())).toEqual(Array.from(await saved[name]!.data()));
      seen.push(name);
      t.dispose();
    }
    expect(seen.sort()).toEqual(Object.keys(saved).sort());

    const filtered: string[] = [];
    for await (const [name, t] of streamTensors(dir, { filter: (n) => n.includes('layers.2') })) {
      filtered.push(name);
      t.dispose();
    }
    expect(filtered).toEqual(['model.layers.2.weight']);

    // loadSafetensors takes the directory too.
    const all = await right(loadSafetensors(dir));
    expect(Object.keys(all).sort()).toEqual(Object.keys(saved).sort());
    disposeAll(all);
    disposeAll(saved);
  });

  it('streamTensors throws a SafetensorsError for a bad checkpoint', async () => {
    const dir = await fresh();
    const it = streamTensors(dir);
    await expect(it.next()).rejects.toThrow(`${dir}: no model.safetensors.index.json or model.safetensors in this directory`);
  });
});
