// `mmada info` refuses the checkpoints `mmada forward` refuses, with the same message (the loader's check).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceFromEnv, init, openCheckpoint, serializeSafetensors, type SafetensorsEntry } from '@mmada/tensor';
import { mmada } from './support.js';

const fixture = fileURLToPath(new URL('../../../tests/model-parity/fixtures/tiny-llada/', import.meta.url));
const device = deviceFromEnv() ?? 'cpu';
const root = mkdtempSync(join(tmpdir(), 'mmada-info-validation-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(async () => {
  await init({ device });
});

/** The fixture's tensors (two shards) as entries, to edit and write back as one file. */
async function entries(): Promise<SafetensorsEntry[]> {
  const ckpt = await openCheckpoint(fixture)();
  if (E.isLeft(ckpt)) throw ckpt.left;
  const out: SafetensorsEntry[] = [];
  for (const name of ckpt.right.names) {
    const info = ckpt.right.info(name)!;
    out.push({ name, dtype: info.dtype, shape: info.shape, data: await ckpt.right.readRaw(name) });
  }
  await ckpt.right.close();
  return out;
}

async function variant(name: string, edit: (es: SafetensorsEntry[]) => SafetensorsEntry[]): Promise<string> {
  const dir = join(root, name);
  mkdirSync(dir);
  copyFileSync(join(fixture, 'config.json'), join(dir, 'config.json'));
  writeFileSync(join(dir, 'model.safetensors'), serializeSafetensors(edit(await entries())));
  return dir;
}

const EMBED = 'model.transformer.wte.weight';

describe('mmada info on checkpoints that do not fit their config', () => {
  const cases: [string, (es: SafetensorsEntry[]) => SafetensorsEntry[], RegExp][] = [
    ['missing', (es) => es.filter((e) => e.name !== EMBED), /tensor "model\.transformer\.wte\.weight": missing: the config \(2 layers\) needs it/],
    ['extra', (es) => [...es, { name: 'model.extra.weight', dtype: 'F32', shape: [1], data: new Uint8Array(4) }], /tensor "model\.extra\.weight": unexpected: this architecture has no such tensor/],
    [
      'misshaped',
      (es) => es.map((e) => (e.name === EMBED ? { ...e, shape: [e.shape[1]!, e.shape[0]!] } : e)),
      /tensor "model\.transformer\.wte\.weight": shape \[16, 48\] does not match the config, which needs \[48, 16\]/,
    ],
    [
      'int-weights',
      (es) => es.map((e) => (e.name === EMBED ? { ...e, dtype: 'I32', data: new Uint8Array(e.data.byteLength * 2) } : e)),
      /tensor "model\.transformer\.wte\.weight": stored as I32; weights must be F32, BF16 or F16/,
    ],
  ];

  for (const [name, edit, message] of cases) {
    it(`${name}: exits 1 with the loader's message, as forward does`, async () => {
      const dir = await variant(name, edit);
      const info = await mmada('info', '--model', dir, '--json');
      const forward = await mmada('forward', '--model', dir, '--ids', '1,2', '--device', device);
      expect(info.code).toBe(1);
      expect(info.stdout).toBe('');
      expect(info.stderr).toMatch(message);
      expect(forward.code).toBe(1);
      expect(forward.stderr).toMatch(message);
      expect(info.stderr.replace('mmada info: ', '')).toBe(forward.stderr.replace('mmada forward: ', ''));
    });
  }

  it('still summarises the unedited checkpoint', async () => {
    const dir = await variant('same', (es) => es);
    const r = await mmada('info', '--model', dir, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).tensors).toMatchObject({ inCheckpoint: 21, expected: 21 });
  });
});
