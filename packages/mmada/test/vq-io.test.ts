/**
 * Tokenizers and images on disk: save → load round trip in the released layout, the loader's errors (each
 * names the file and tensor, and leaves nothing allocated), config.json, image files, and the pixel
 * conventions (normalisation to [−1, 1], clamp + truncation back to bytes, resize + crop sizes).
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  init, key, memory, parseSafetensors, scope, serializeSafetensors, tensor, tensorBytes, uniform, type SafetensorsEntry
} from '@mmada/tensor';
import { createImage, encodePng, decodeImage } from '@mmada/image';
import {
  decodeImageTokens, disposeImageTokenizer, encodeImages, imagesToTensor, initImageTokenizer, loadImageTokenizer, parseVqConfigText,
  pixelByte, resizeAndCenterCrop, saveImageTokenizer, squashImage, tensorToImages, vqConfig, vqConfigToJson, MAGVITV2_CONFIG,
  VQ_WEIGHTS_FILE_NAME
} from '@mmada/mmada';
import { readImage } from '@mmada/image/node';

const TINY = vqConfig({
  ch: 4, encoderChMult: [1, 2, 2], encoderNumResBlocks: [1, 1, 1], decoderChMult: [1, 2, 2], decoderNumResBlocks: [1, 1, 1], bits: 5, normGroups: 2,
});

beforeAll(async () => {
  await init({ device: 'cpu' });
});

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'mmada-vq-'));
}

/** Saves a fresh tiny tokenizer and returns its directory and parsed weights file. */
async function savedTiny(): Promise<{ dir: string; entries: SafetensorsEntry[] }> {
  const dir = await tempDir();
  const tok = initImageTokenizer(TINY, key(5));
  const saved = await saveImageTokenizer(dir, tok)();
  disposeImageTokenizer(tok);
  if (E.isLeft(saved)) throw saved.left;
  const bytes = new Uint8Array(await readFile(join(dir, VQ_WEIGHTS_FILE_NAME)));
  const parsed = parseSafetensors(bytes, 'w');
  if (E.isLeft(parsed)) throw parsed.left;
  const entries = parsed.right.header.names.map((name) => {
    const info = parsed.right.header.tensors.get(name)!;
    return { name, dtype: info.dtype, shape: info.shape, data: tensorBytes(parsed.right, name)!.slice() } as SafetensorsEntry;
  });
  return { dir, entries };
}

async function loadError(dir: string, entries: SafetensorsEntry[]): Promise<string> {
  await writeFile(join(dir, VQ_WEIGHTS_FILE_NAME), serializeSafetensors(entries));
  const before = memory().tensors;
  const r = await loadImageTokenizer(dir)();
  expect(memory().tensors).toBe(before);
  if (E.isRight(r)) throw new Error('expected the load to fail');
  return r.left.message;
}

describe('saving and loading', () => {
  it('round trips in the released layout, buffers included, with identical outputs', async () => {
    const dir = await tempDir();
    const tok = initImageTokenizer(TINY, key(7));
    expect(E.isRight(await saveImageTokenizer(dir, tok)())).toBe(true);
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(config).toEqual({ _class_name: 'MAGVITv2', ch: 4, encoder_ch_mult: [1, 2, 2], encoder_num_res_blocks: [1, 1, 1], decoder_ch_mult: [1, 2, 2], decoder_num_res_blocks: [1, 1, 1], z_channels: 5, norm_groups: 2 });
    const loaded = await loadImageTokenizer(dir)();
    if (E.isLeft(loaded)) throw loaded.left;
    expect(loaded.right.config).toEqual(TINY);
    await scope(async () => {
      const x = uniform(key(8), [2, 3, 16, 16], { minval: -1, maxval: 1 });
      const a = encodeImages(tok, x);
      const b = encodeImages(loaded.right, x);
      expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
      const da = (await decodeImageTokens(tok, a, [4, 4]).data()) as Float32Array;
      const db = (await decodeImageTokens(loaded.right, a, [4, 4]).data()) as Float32Array;
      expect(Array.from(db)).toEqual(Array.from(da));
    });
    disposeImageTokenizer(tok);
    disposeImageTokenizer(loaded.right);
  });

  it('accepts a file without the recomputable quantize buffers, and the .safetensors path itself', async () => {
    const { dir, entries } = await savedTiny();
    await writeFile(join(dir, VQ_WEIGHTS_FILE_NAME), serializeSafetensors(entries.filter((e) => !e.name.startsWith('quantize.'))));
    const r = await loadImageTokenizer(join(dir, VQ_WEIGHTS_FILE_NAME))();
    if (E.isLeft(r)) throw r.left;
    expect(r.right.config.bits).toBe(5);
    disposeImageTokenizer(r.right);
  });

  it('names the file and tensor of a missing, unexpected, misshapen or mis-typed tensor', async () => {
    const { dir, entries } = await savedTiny();
    const file = join(dir, VQ_WEIGHTS_FILE_NAME);
    expect(await loadError(dir, entries.filter((e) => e.name !== 'decoder.up.1.block.0.conv2.bias'))).toBe(
      `${file}: tensor "decoder.up.1.block.0.conv2.bias": missing: the tokenizer config (ch 4, 3 levels, 5 bits) needs it and the file does not have it`,
    );
    const extra = { name: 'encoder.down.0.attn.0.q.weight', dtype: 'F32', shape: [1], data: new Uint8Array(4) } as SafetensorsEntry;
    expect(await loadError(dir, [...entries, extra])).toMatch(/tensor "encoder\.down\.0\.attn\.0\.q\.weight": unexpected/);
    const reshaped = entries.map((e) => (e.name === 'encoder.conv_in.weight' ? { ...e, shape: [4, 3, 9] } : e));
    expect(await loadError(dir, reshaped)).toMatch(/tensor "encoder\.conv_in\.weight": shape \[4, 3, 9\] does not match .* needs \[4, 3, 3, 3\]/);
    const ints = entries.map((e) => (e.name === 'encoder.conv_in.bias' ? { ...e, dtype: 'I32' } : e)) as SafetensorsEntry[];
    expect(await loadError(dir, ints)).toMatch(/tensor "encoder\.conv_in\.bias": stored as I32; weights must be F32, BF16 or F16/);
  });

  it('rejects a codebook buffer with another bit order', async () => {
    const { dir, entries } = await savedTiny();
    const lsbFirst = new BigInt64Array([1n, 2n, 4n, 8n, 16n]);
    const swapped = entries.map((e) => (e.name === 'quantize.power_vals' ? { ...e, data: new Uint8Array(lsbFirst.buffer) } : e));
    expect(await loadError(dir, swapped)).toMatch(/quantize\.power_vals": values \[1, 2, 4, 8, 16\] are not the most-significant-bit-first powers \[16, 8, 4, 2, 1\]/);
  });

  it('reports unreadable files and bad config.json', async () => {
    const dir = await tempDir();
    const missing = await loadImageTokenizer(dir)();
    expect(E.isLeft(missing) && missing.left.kind).toBe('unreadable');
    expect(E.isLeft(missing) && missing.left.message).toContain(VQ_WEIGHTS_FILE_NAME);
    await writeFile(join(dir, VQ_WEIGHTS_FILE_NAME), new Uint8Array([1, 2, 3]));
    const garbage = await loadImageTokenizer(dir)();
    expect(E.isLeft(garbage) && garbage.left.kind).toBe('unreadable');
    await writeFile(join(dir, 'config.json'), '{"_class_name": "MAGVITv2", "z_channel": 13}');
    const typo = await loadImageTokenizer(dir)();
    expect(E.isLeft(typo) && typo.left.message).toMatch(/config\.json: key "z_channel": unknown key/);
  });

  it('reads the released config.json as the released architecture, and writes only what differs', () => {
    const released = parseVqConfigText('{\n  "_class_name": "MAGVITv2",\n  "_diffusers_version": "0.30.1"\n}\n', 'config.json');
    expect(released).toEqual(E.right(MAGVITV2_CONFIG));
    expect(vqConfigToJson(MAGVITV2_CONFIG)).toEqual({ _class_name: 'MAGVITv2' });
    expect(parseVqConfigText('{"ch": 64, "norm_groups": 3}', 'c.json')).toEqual(E.left(expect.objectContaining({ message: expect.stringMatching(/normGroups 3 does not divide the 64 channels/) })));
    expect(E.isLeft(parseVqConfigText('{"_class_name": "VQModel"}', 'c.json'))).toBe(true);
  });
});

describe('images', () => {
  it('normalises bytes to [−1, 1] channel-first, and maps back with clamp and truncation', async () => {
    const img = createImage(2, 1, [0, 128, 255]);
    img.data.set([10, 20, 30], 3);
    await scope(async () => {
      const x = imagesToTensor([img]);
      expect(x.shape).toEqual([1, 3, 1, 2]);
      const v = Array.from((await x.data()) as Float32Array);
      expect(v).toEqual([-1, Math.fround(10 / 255) * 2 - 1, Math.fround(128 / 255) * 2 - 1, Math.fround(20 / 255) * 2 - 1, 1, Math.fround(30 / 255) * 2 - 1].map(Math.fround));
      // The upstream round trip is lossy: f32 rounding leaves byte 10 at 9.999999 after (x + 1) / 2 · 255, and the cast truncates.
      expect(Array.from((await tensorToImages(x))[0]!.data)).toEqual([0, 128, 255, 9, 19, 29]);
      expect(Array.from((await tensorToImages(x, { rounding: 'round' }))[0]!.data)).toEqual([0, 128, 255, 10, 20, 30]);
    });
    // 0.999 → (1.999 / 2)·255 = 254.87: truncated to 254, rounded to 255; out-of-range values clamp.
    expect([pixelByte(0.999), pixelByte(0.999, 'round'), pixelByte(3), pixelByte(-2), pixelByte(0)]).toEqual([254, 255, 255, 0, 127]);
    await scope(async () => {
      const out = await tensorToImages(tensor([0.999, -0.5, 2, 0, 0, 0], [1, 3, 1, 2]), { rounding: 'round' });
      expect(Array.from(out[0]!.data)).toEqual([255, 255, 128, 64, 128, 128]); // pixels (0.999, 2, 0) and (−0.5, 0, 0)
    });
  });

  it('resizes the shorter side and center-crops to a square; squash keeps no aspect ratio', () => {
    const wide = createImage(100, 40, [9, 9, 9]);
    const a = resizeAndCenterCrop(wide, 16);
    expect([a.width, a.height]).toEqual([16, 16]);
    expect(Array.from(a.data.subarray(0, 3))).toEqual([9, 9, 9]);
    const tall = resizeAndCenterCrop(createImage(30, 70, [1, 2, 3]), 32);
    expect([tall.width, tall.height]).toEqual([32, 32]);
    const s = squashImage(wide, 8);
    expect([s.width, s.height]).toEqual([8, 8]);
  });

  it('reads PNGs; corrupt, truncated and unsupported images are clear errors naming the file', async () => {
    const dir = await tempDir();
    const png = encodePng(createImage(3, 2, [200, 100, 50]));
    await writeFile(join(dir, 'ok.png'), png);
    const ok = await readImage(join(dir, 'ok.png'));
    expect(E.isRight(ok) && [ok.right.width, ok.right.height]).toEqual([3, 2]);
    const corrupt = png.slice();
    corrupt[png.length - 20] ^= 0xff;
    expect(decodeImage(corrupt)).toEqual(E.left(expect.stringMatching(/^corrupt or unsupported PNG: CRC mismatch in (IDAT|IEND) chunk/)));
    expect(decodeImage(png.subarray(0, 30))).toEqual(E.left(expect.stringMatching(/^corrupt or unsupported PNG: /)));
    await writeFile(join(dir, 'broken.jpg'), new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]));
    expect(await readImage(join(dir, 'broken.jpg'))).toEqual(E.left(expect.stringMatching(new RegExp(`^${join(dir, 'broken.jpg')}: corrupt or unsupported JPEG: `))));
    await writeFile(join(dir, 'anim.gif'), new TextEncoder().encode('GIF89a....'));
    expect(await readImage(join(dir, 'anim.gif'))).toEqual(E.left(`${join(dir, 'anim.gif')}: GIF images are not supported; convert the image to PNG (e.g. \`convert in.gif out.png\`)`));
    expect(decodeImage(new TextEncoder().encode('hello'))).toEqual(E.left('not a recognised image (PNG and JPEG are read)'));
    const missing = await readImage(join(dir, 'nope.png'));
    expect(missing).toEqual(E.left(`${join(dir, 'nope.png')}: cannot read file: ENOENT`));
  });
  it('reads JPEGs (baseline, via jpeg-js) into RGB', async () => {
    const w = 16, h = 8;
    const rgba = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set(i % w < 8 ? [200, 40, 40, 255] : [30, 60, 210, 255], i * 4);
    const bytes = new Uint8Array(jpeg.encode({ width: w, height: h, data: rgba }, 100).data);
    const img = decodeImage(bytes);
    expect(E.isRight(img)).toBe(true);
    if (E.isLeft(img)) return;
    expect([img.right.width, img.right.height]).toEqual([w, h]);
    // JPEG is lossy: flat colour areas come back within a few levels (edge columns excluded).
    const at = (x: number, y: number) => Array.from(img.right.data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));
    for (const [x, want] of [[2, [200, 40, 40]], [13, [30, 60, 210]]] as const) {
      at(x, 4).forEach((v, c) => expect(Math.abs(v - want[c]!)).toBeLessThan(8));
    }
  });
});
