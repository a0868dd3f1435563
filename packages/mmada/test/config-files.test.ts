// config.json files that say a key twice, or are not regular files, are refused with the file named.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { configToJson, MODEL_ZOO } from '../src/index.js';
import { parseModelConfigText } from '../src/config/parse-config.js';
import { readModelConfig } from '../src/config/read-config.js';
import { readVqConfig } from '../src/vq/read-vq-config.js';
import { parseVqConfigText } from '../src/vq/vq-config-json.js';

const dir = mkdtempSync(join(tmpdir(), 'mmada-config-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tiny = JSON.stringify(configToJson(MODEL_ZOO['mmada-tiny']));

describe('config.json', () => {
  it('refuses a key given twice (JSON.parse would keep the last)', () => {
    const twice = tiny.replace('"n_layers":', '"n_layers":1,"n_layers":');
    expect(twice).not.toBe(tiny);
    const r = parseModelConfigText(twice, 'config.json');
    expect(E.isLeft(r) && r.left.message).toBe('config.json: key "n_layers": appears twice (a reader would keep only the last)');
    expect(E.isRight(parseModelConfigText(tiny, 'config.json'))).toBe(true);
  });

  it('refuses a FIFO or a directory as config.json at once', async () => {
    const fifo = join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    const r = await readModelConfig(fifo)();
    expect(E.isLeft(r) && r.left.message).toBe(`${fifo}: is a FIFO (named pipe); the config file must be a regular file`);
    const sub = join(dir, 'model');
    execFileSync('mkdir', ['-p', join(sub, 'config.json')]);
    const d = await readModelConfig(sub)();
    expect(E.isLeft(d) && d.left.message).toBe(`${join(sub, 'config.json')}: is a directory; the config file must be a regular file`);
  });
});

describe('image tokenizer config.json', () => {
  it('refuses a key given twice and a FIFO', async () => {
    const r = parseVqConfigText('{"_class_name":"MAGVITv2","z_channels":13,"z_channels":13}', 'vq/config.json');
    expect(E.isLeft(r) && r.left.message).toBe('vq/config.json: key "z_channels": appears twice (a reader would keep only the last)');
    const fifo = join(dir, 'vq-fifo.json');
    execFileSync('mkfifo', [fifo]);
    const f = await readVqConfig(fifo);
    expect(E.isLeft(f) && f.left.message).toBe(`${fifo}: is a FIFO (named pipe); the config file must be a regular file`);
    writeFileSync(join(dir, 'ok.json'), '{"_class_name":"MAGVITv2"}');
    expect(E.isRight(await readVqConfig(join(dir, 'ok.json')))).toBe(true);
  });
});
