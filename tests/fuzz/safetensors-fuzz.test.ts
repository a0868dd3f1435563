// safetensors headers and sharded-checkpoint indexes under thousands of damaged inputs: a value or a SafetensorsError.
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { bytesSource, openSafetensorsFrom, parseCheckpointIndex, parseSafetensors, SafetensorsError, serializeSafetensors, type SafetensorsEntry } from '@mmada/tensor';
import { fuzzParser, typedError } from './fuzz-parser.js';
import { damagedBytes, damagedJson } from './mutations.js';

const u8 = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const entry = (name: string, dtype: SafetensorsEntry['dtype'], shape: number[], size: number): SafetensorsEntry => ({ name, dtype, shape, data: u8(shape.reduce((a, b) => a * b, 1) * size, name.length) });

/** Valid files to damage: one tensor, several dtypes with metadata, an empty tensor, no tensors. */
const validFiles = [
  serializeSafetensors([entry('w', 'F32', [2, 3], 4)]),
  serializeSafetensors([entry('a', 'F16', [4], 2), entry('b', 'I64', [2], 8), { name: 'c', dtype: 'BOOL', shape: [3], data: Uint8Array.of(0, 1, 1) }], { format: 'pt', total: '3' }),
  serializeSafetensors([entry('model.wte.weight', 'BF16', [8, 4], 2), entry('empty', 'F32', [0, 5], 4), entry('ids', 'U32', [3], 4)]),
  serializeSafetensors([]),
];

/** A right answer must describe a file that is really there: ranges tile the data region exactly. */
function checkParsed(bytes: Uint8Array): 'value' | 'error' {
  const r = parseSafetensors(bytes, 'fuzz.safetensors');
  if (E.isLeft(r)) return typedError(r.left, SafetensorsError);
  const { header, data } = r.right;
  let end = 0;
  for (const name of header.names) {
    const t = header.tensors.get(name)!;
    expect(t.dataOffsets[0]).toBe(end);
    end = t.dataOffsets[1];
  }
  expect(end).toBe(data.byteLength);
  return 'value';
}

describe('fuzz: safetensors', () => {
  it('parseSafetensors: damaged valid files', async () => {
    await fuzzParser({ parser: 'safetensors header (damaged files)', inputs: damagedBytes(validFiles), run: checkParsed, numRuns: 1500 });
  });

  it('parseSafetensors: a valid length prefix followed by any header text and data', async () => {
    const header = fc.oneof(
      fc.json({ maxDepth: 3 }),
      damagedJson({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] }, __metadata__: { a: 'b' } }),
      fc.string({ maxLength: 40 }),
    );
    const file = fc.tuple(header, fc.nat({ max: 64 })).map(([text, dataLength]) => {
      const json = new TextEncoder().encode(text);
      const out = new Uint8Array(8 + json.byteLength + dataLength);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
      out.set(json, 8);
      return out;
    });
    await fuzzParser({ parser: 'safetensors header (any JSON)', inputs: file, run: checkParsed, numRuns: 800 });
  });

  it('openSafetensorsFrom: the streaming reader agrees with the in-memory parser', async () => {
    await fuzzParser({
      parser: 'safetensors file reader',
      inputs: damagedBytes(validFiles),
      run: async (bytes) => {
        const r = await openSafetensorsFrom(bytesSource(bytes), 'fuzz.safetensors')();
        const inMemory = parseSafetensors(bytes, 'fuzz.safetensors');
        expect(E.isRight(r)).toBe(E.isRight(inMemory));
        if (E.isLeft(r)) return typedError(r.left, SafetensorsError);
        for (const name of r.right.names) expect((await r.right.readRaw(name)).byteLength).toBe(r.right.info(name)!.byteLength);
        await r.right.close();
        return 'value';
      },
      numRuns: 300,
    });
  });

  it('parseCheckpointIndex: damaged index files', async () => {
    const index = { metadata: { total_size: 1234 }, weight_map: { 'model.wte.weight': 'model-00001-of-00002.safetensors', 'model.ln_f.weight': 'model-00002-of-00002.safetensors', 'model.blocks.0.att_proj.weight': 'model-00001-of-00002.safetensors' } };
    await fuzzParser({
      parser: 'safetensors index',
      inputs: fc.oneof(damagedJson(index), fc.json({ maxDepth: 3 })),
      run: (text) => {
        const r = parseCheckpointIndex(text, 'model.safetensors.index.json');
        if (E.isLeft(r)) return typedError(r.left, SafetensorsError);
        for (const shard of r.right.weightMap.values()) expect(shard.startsWith('/') || shard.startsWith('..')).toBe(false);
        return 'value';
      },
      numRuns: 500,
    });
  });
});
