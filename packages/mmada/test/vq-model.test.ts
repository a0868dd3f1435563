/**
 * The MAGVIT-v2 tokenizer's structure and LFQ: the released parameter layout (names, shapes, counts of
 * spec/vq.md §5–6), the MSB-first index ⇄ bits mapping, the strict sign test, batched and non-square
 * encode/decode on tiny configs, and memory hygiene.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { concat, init, key, memory, scope, slice, tensor, uniform, zeros } from '@mmada/tensor';
import {
  bitsToIndex, codebookSize, decodeImageTokens, disposeImageTokenizer, downsampleFactor, encodeImages, encodeLatents, indexToBits,
  initImageTokenizer, lfqCodebook, lfqCodes, lfqIds, MAGVITV2_CONFIG, tokenGrid, vqConfig, vqConfigProblems, vqParameterCount,
  vqParameterShapes,
} from '@mmada/mmada';

/** Same structure as the released tokenizer (5 levels, 16×), tiny channels. */
const TINY = vqConfig({
  ch: 8, encoderChMult: [1, 2, 2, 4, 4], encoderNumResBlocks: [2, 1, 1, 1, 1], decoderChMult: [1, 1, 2, 2, 4], decoderNumResBlocks: [1, 2, 1, 1, 1],
  bits: 13, normGroups: 4,
});

beforeAll(async () => {
  await init({ device: 'cpu' });
});

describe('released layout', () => {
  const shapes = new Map(vqParameterShapes(MAGVITV2_CONFIG));

  it('has the spec’s parameter counts', () => {
    expect(vqParameterCount(MAGVITV2_CONFIG)).toBe(95_387_004);
    const part = (prefix: string) => [...shapes].filter(([n]) => n.startsWith(prefix)).reduce((s, [, sh]) => s + sh.reduce((a, b) => a * b, 1), 0);
    expect(part('encoder.')).toBe(55_439_171);
    expect(part('decoder.')).toBe(39_947_833);
    expect([...shapes.keys()].filter((n) => n.startsWith('encoder.')).length).toBe(190);
    expect([...shapes.keys()].filter((n) => n.startsWith('decoder.')).length).toBe(190);
    expect(downsampleFactor(MAGVITV2_CONFIG)).toBe(16);
    expect(codebookSize(MAGVITV2_CONFIG)).toBe(8192);
  });

  it('names and shapes tensors as the released state dict', () => {
    const expected: Array<[string, number[]]> = [
      ['encoder.conv_in.weight', [128, 3, 3, 3]],
      ['encoder.down.0.block.3.conv2.weight', [128, 128, 3, 3]],
      ['encoder.down.1.block.0.nin_shortcut.weight', [256, 128, 1, 1]],
      ['encoder.down.1.block.2.norm1.weight', [256]],
      ['encoder.down.3.block.0.nin_shortcut.weight', [512, 256, 1, 1]],
      ['encoder.down.3.downsample.conv.weight', [512, 512, 3, 3]],
      ['encoder.down.2.downsample.conv.bias', [256]],
      ['encoder.down.4.block.3.conv1.weight', [512, 512, 3, 3]],
      ['encoder.mid.attn_1.q.weight', [512, 512, 1, 1]],
      ['encoder.mid.attn_1.proj_out.bias', [512]],
      ['encoder.mid.block_2.norm2.bias', [512]],
      ['encoder.norm_out.weight', [512]],
      ['encoder.conv_out.weight', [13, 512, 3, 3]],
      ['encoder.quant_conv.weight', [13, 13, 1, 1]],
      ['decoder.post_quant_conv.weight', [13, 13, 1, 1]],
      ['decoder.conv_in.weight', [512, 13, 3, 3]],
      ['decoder.mid.attn_1.norm.weight', [512]],
      ['decoder.up.4.block.2.conv1.weight', [512, 512, 3, 3]],
      ['decoder.up.4.upsample.conv.weight', [512, 512, 3, 3]],
      ['decoder.up.3.block.0.nin_shortcut.weight', [256, 512, 1, 1]],
      ['decoder.up.3.block.3.conv2.weight', [256, 256, 3, 3]],
      ['decoder.up.3.upsample.conv.weight', [256, 256, 3, 3]],
      ['decoder.up.2.upsample.conv.weight', [256, 256, 3, 3]],
      ['decoder.up.1.block.0.nin_shortcut.weight', [128, 256, 1, 1]],
      ['decoder.up.1.upsample.conv.weight', [128, 128, 3, 3]],
      ['decoder.up.0.block.3.norm2.weight', [128]],
      ['decoder.norm_out.bias', [128]],
      ['decoder.conv_out.weight', [3, 128, 3, 3]],
    ];
    for (const [name, shape] of expected) expect([name, shapes.get(name)]).toEqual([name, shape]);
    // Exactly num_res_blocks[i] blocks per level (not +1), no attention inside the levels, no downsample on the last level.
    expect(shapes.has('encoder.down.1.block.3.conv1.weight')).toBe(false);
    expect(shapes.has('decoder.up.4.block.3.conv1.weight')).toBe(false);
    expect(shapes.has('decoder.up.0.block.4.conv1.weight')).toBe(false);
    expect(shapes.has('encoder.down.4.downsample.conv.weight')).toBe(false);
    expect(shapes.has('decoder.up.0.upsample.conv.weight')).toBe(false);
    expect([...shapes.keys()].some((n) => /\.(down|up)\.\d+\.attn\./.test(n))).toBe(false);
    expect([...shapes.keys()].filter((n) => n.includes('nin_shortcut.weight'))).toHaveLength(4);
  });

  it('rejects inconsistent configs with every reason', () => {
    expect(vqConfigProblems({ ...MAGVITV2_CONFIG, normGroups: 48 })).toEqual(expect.arrayContaining([expect.stringContaining('normGroups 48 does not divide')]));
    expect(vqConfigProblems({ ...MAGVITV2_CONFIG, decoderChMult: [1, 2, 4] })[0]).toMatch(/decoderNumResBlocks has 5 levels, decoderChMult 3/);
    expect(vqConfigProblems({ ...MAGVITV2_CONFIG, bits: 30 })[0]).toMatch(/bits must be an integer in 1\.\.24/);
    expect(() => vqConfig({ ch: 0 })).toThrow(/ch must be a positive integer/);
  });
});

describe('LFQ', () => {
  it('index ⇄ bits round trips for every 13-bit id, channel 0 the most significant', () => {
    for (let id = 0; id < 8192; id++) expect(bitsToIndex(indexToBits(id, 13))).toBe(id);
    expect(indexToBits(1, 13)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(indexToBits(4096, 13)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => indexToBits(8192, 13)).toThrow(RangeError);
    const book = lfqCodebook(13);
    expect(Array.from(book.subarray(5 * 13, 6 * 13))).toEqual([-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, -1, 1]);
  });

  it('ids → codes → ids is the identity on the device, for all 8192 codes', async () => {
    await scope(async () => {
      const ids = tensor(Array.from({ length: 8192 }, (_, i) => i), [2, 4096], 'i32'); // a 64×64 grid per row
      const codes = lfqCodes(ids, [64, 64], 13);
      expect(codes.shape).toEqual([2, 13, 64, 64]);
      const back = lfqIds(codes);
      expect(Array.from(await back.data())).toEqual(Array.from(await ids.data()));
      // codes[b, c, y, x] is bit c of the id at raster position y·w + x.
      const v = (await codes.data()) as Float32Array;
      const at = (b: number, c: number, y: number, x: number) => v[((b * 13 + c) * 64 + y) * 64 + x];
      const id = 4096 + 3 * 64 + 5;
      indexToBits(id, 13).forEach((bit, c) => expect(at(1, c, 3, 5)).toBe(bit * 2 - 1));
    });
  });

  it('uses a strict z > 0: exact zeros are bit 0', async () => {
    await scope(async () => {
      const z = tensor([0, 1e-30, -1e-30, 0.5], [1, 4, 1, 1]);
      expect(Array.from(await lfqIds(z).data())).toEqual([0b0101]);
      expect(Array.from(await lfqIds(zeros([1, 13, 2, 2])).data())).toEqual([0, 0, 0, 0]);
    });
  });
});

describe('encode / decode', () => {
  it('maps [B, 3, H, W] to [B, (H/16)·(W/16)] ids and back, batched and non-square', async () => {
    const tok = initImageTokenizer(TINY, key(0));
    const before = memory().tensors;
    await scope(async () => {
      const x = uniform(key(1), [3, 3, 32, 48], { minval: -1, maxval: 1 });
      const ids = encodeImages(tok, x);
      expect(ids.shape).toEqual([3, 6]);
      expect(ids.dtype).toBe('i32');
      const values = Array.from(await ids.data());
      expect(values.every((v) => Number.isInteger(v) && v >= 0 && v < 8192)).toBe(true);
      // Batching does not change a sample's ids.
      const one = encodeImages(tok, slice(x, [1, 0, 0, 0], [1, 3, 32, 48]));
      expect(Array.from(await one.data())).toEqual(values.slice(6, 12));
      // The ids are the sign pattern of the latents.
      expect(Array.from(await lfqIds(encodeLatents(tok, x)).data())).toEqual(values);

      const out = decodeImageTokens(tok, ids, [2, 3]);
      expect(out.shape).toEqual([3, 3, 32, 48]);
      const outOne = decodeImageTokens(tok, slice(ids, [2, 0], [1, 6]), [2, 3]);
      const all = (await out.data()) as Float32Array;
      const single = (await outOne.data()) as Float32Array;
      const offset = 2 * 3 * 32 * 48;
      expect(Math.max(...Array.from(single, (v, i) => Math.abs(v - all[offset + i]!)))).toBeLessThan(1e-5);
      // A square grid is assumed without one; 6 tokens are not square.
      expect(() => decodeImageTokens(tok, ids)).toThrow(/do not form a square grid/);
      expect(decodeImageTokens(tok, concat([ids, slice(ids, [0, 0], [3, 3])], 1)).shape).toEqual([3, 3, 48, 48]); // 9 tokens: 3×3
    });
    expect(memory().tensors).toBe(before);
    expect(() => tokenGrid(TINY, [40, 32])).toThrow(/not a multiple of the downsampling factor 16/);
    disposeImageTokenizer(tok);
  });

  it('rejects images that are not [B, 3, H, W]', async () => {
    const tok = initImageTokenizer(TINY, key(0));
    await scope(async () => {
      expect(() => encodeImages(tok, zeros([1, 4, 16, 16]))).toThrow(/images must be \[B, 3, H, W\]/);
      expect(() => decodeImageTokens(tok, zeros([1, 4], 'i32'), [1, 3])).toThrow(/ids must be \[B, h·w\] = \[B, 3\]/);
    });
    disposeImageTokenizer(tok);
  });
});
