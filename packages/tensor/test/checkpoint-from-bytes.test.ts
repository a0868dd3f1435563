/** A Checkpoint over safetensors bytes already in memory (what a browser fetched): same view as a file on disk. */
import * as E from 'fp-ts/lib/Either.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkpointFromBytes, init, serializeSafetensors, tensorFromBytes } from '../src/index.js';

const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

beforeAll(async () => {
  await init({ device: 'cpu' });
});

describe('checkpointFromBytes', () => {
  const bytes = serializeSafetensors(
    [
      { name: 'b', dtype: 'F32', shape: [2], data: f32([3, 4]) },
      { name: 'a', dtype: 'F32', shape: [1, 2], data: f32([1, 2]) },
    ],
    { format: 'pt' },
  );

  it('lists the tensors with their file, reads each one alone, and turns them into tensors', async () => {
    const ckpt = E.getOrElseW((e: Error) => { throw e; })(await checkpointFromBytes(bytes, 'https://host/model.safetensors')());
    expect(ckpt.path).toBe('https://host/model.safetensors');
    expect([...ckpt.names].sort()).toEqual(['a', 'b']);
    expect(ckpt.metadata).toEqual({ format: 'pt' });
    expect(ckpt.files).toHaveLength(1);
    const info = ckpt.info('a')!;
    expect(info).toMatchObject({ dtype: 'F32', shape: [1, 2], file: 'https://host/model.safetensors' });
    const raw = await ckpt.readRaw('a');
    expect(Array.from(new Float32Array(raw.buffer, raw.byteOffset, 2))).toEqual([1, 2]);
    const t = tensorFromBytes(info, raw, info.file);
    expect(E.isRight(t) && (await t.right.array())).toEqual([[1, 2]]);
    await expect(ckpt.readRaw('c')).rejects.toThrow(/^https:\/\/host\/model\.safetensors: .*\bc\b.*no such tensor in this checkpoint/);
    await ckpt.close();
  });

  it('a truncated or garbled file is a Left naming it', async () => {
    const cut = await checkpointFromBytes(bytes.subarray(0, 20), 'upload.safetensors')();
    expect(E.isLeft(cut) && cut.left.file).toBe('upload.safetensors');
    const junk = await checkpointFromBytes(new Uint8Array(64).fill(7), 'junk.safetensors')();
    expect(E.isLeft(junk) && junk.left.message).toMatch(/^junk\.safetensors: /);
  });
});
