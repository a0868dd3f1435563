// Commands refuse bad outputs and oversize work before doing any: exit 2 with a sentence, nothing written.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init } from '@mmada/tensor';
import { mmada, writeTinyImageTokenizer, writeTinyModel } from './support.js';

// Every refusal here happens before a forward, so the cpu device keeps the file fast.
const device = 'cpu';
const root = mkdtempSync(join(tmpdir(), 'mmada-guards-'));
const model = join(root, 'model');
const vq = join(root, 'vq');
const tinyTokenizer = fileURLToPath(new URL('../../mmada/test/fixtures/tiny-tokenizer/', import.meta.url));
const train = (out: string, ...more: string[]) =>
  mmada('train', '--config', 'mmada-tiny', '--tokenizer', tinyTokenizer, '--data', 'shapesworld-reasoning', '--examples', '8', '--batch', '2', '--steps', '1', '--out', out, '--device', device, ...more);

beforeAll(async () => {
  await init({ device });
  await writeTinyModel(model, 1, device);
  await writeTinyImageTokenizer(vq, 2, device);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('outputs checked before work', () => {
  it('train refuses to replace a model.safetensors without --overwrite', async () => {
    const out = join(root, 'has-model');
    mkdirSync(out);
    writeFileSync(join(out, 'model.safetensors'), 'x');
    const r = await train(out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already holds a model \(model\.safetensors\): pass --overwrite to replace it/);
  });

  it('train --out naming a file, and --resume with no checkpoint, are usage errors', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const r = await train(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${file} is a file; give a directory`);
    const empty = join(root, 'empty-run');
    const resumed = await train(empty, '--resume');
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toMatch(/--resume: .*checkpoint holds no training checkpoint to continue from/);
    expect(existsSync(empty)).toBe(false);
  });

  it('rl and ablate --resume with nothing to continue are usage errors', async () => {
    const rl = await mmada('rl', '--model', model, '--out', join(root, 'no-rl'), '--resume', '--device', device);
    expect(rl.code).toBe(2);
    expect(rl.stderr).toMatch(/--resume: .*no-rl\/checkpoint holds no training checkpoint/);
    const ab = await mmada('ablate', '--model', model, '--out', join(root, 'no-ablation'), '--resume', '--device', device);
    expect(ab.code).toBe(2);
    expect(ab.stderr).toContain(`--resume: ${join(root, 'no-ablation')} holds no ablation runs to continue`);
  });

  it('a second run on a locked --out is refused while the first lives', async () => {
    const out = join(root, 'busy');
    mkdirSync(out);
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(join(out, '.mmada.lock'), JSON.stringify({ pid: other.pid, host: hostname(), command: 'mmada train', started: 'earlier' }));
      const r = await train(out);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`is in use by another run: mmada train (pid ${other.pid}, since earlier)`);
      expect(readdirSync(out)).toEqual(['.mmada.lock']);
    } finally {
      other.kill();
    }
  });

  it('t2i refuses an existing file without --overwrite and a directory as --out', async () => {
    const png = join(root, 'old.png');
    writeFileSync(png, 'old');
    const args = ['--model', model, '--vq', vq, '--prompt', 'x', '--resolution', '32', '--steps', '2', '--max-seq-length', '8', '--device', device];
    const r = await mmada('t2i', ...args, '--out', png);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${png} exists: pass --overwrite to replace it`);
    const dirPng = join(root, 'folder.png');
    mkdirSync(dirPng);
    const d = await mmada('t2i', ...args, '--out', dirPng, '--overwrite');
    expect(d.code).toBe(2);
    expect(d.stderr).toContain(`--out ${dirPng} is a directory; give a file name`);
  });
});

describe('sizes bounded before allocation', () => {
  it('train: --steps past 1e9, --examples 1e12 and --batch 1e9 are refused', async () => {
    const steps = await train(join(root, 's'), '--steps', '1000000000000000000');
    expect(steps.code).toBe(2);
    expect(steps.stderr).toMatch(/--steps expects an integer ≥ 1, got "1000000000000000000"/);
    const steps2 = await train(join(root, 's'), '--steps', '2000000000');
    expect(steps2.stderr).toMatch(/--steps is at most 1000000000, got 2000000000/);
    const examples = await train(join(root, 'e'), '--examples', '1000000000000');
    expect(examples.code).toBe(2);
    expect(examples.stderr).toMatch(/--examples 1000000000000 would hold about .* in memory/);
    const batch = await train(join(root, 'b'), '--batch', '1000000000');
    expect(batch.code).toBe(2);
    expect(batch.stderr).toMatch(/--batch 1000000000 × --max-length \d+ (needs about|is .* not a size)/);
  });

  it('generate: --gen-length 1e9 and a prompt past max_sequence_length are refused', async () => {
    const g = await mmada('generate', '--model', model, '--prompt-ids', '1,2', '--gen-length', '1000000000', '--device', device);
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/--gen-length is at most 1048576, got 1000000000/);
    const beyond = await mmada('generate', '--model', model, '--prompt-ids', '1,2', '--gen-length', '1024', '--block-length', '32', '--device', device);
    expect(beyond.code).toBe(2);
    expect(beyond.stderr).toMatch(/--gen-length 1024 after a 2-token prompt makes 1026 positions, more than the model's max_sequence_length \(512\)/);
    const ids = Array.from({ length: 5001 }, () => '1').join(',');
    const long = await mmada('generate', '--model', model, '--prompt-ids', ids, '--gen-length', '8', '--device', device);
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/the prompt is 5001 tokens, longer than the model's max_sequence_length \(512\)/);
  });

  it('t2i: --resolution 1e6 and --max-seq-length 1e6 are refused', async () => {
    const args = ['--model', model, '--vq', vq, '--prompt', 'x', '--out', join(root, 'new.png'), '--device', device];
    const res = await mmada('t2i', ...args, '--resolution', '1000000');
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--resolution is at most 8192, got 1000000/);
    const seq = await mmada('t2i', ...args, '--resolution', '32', '--max-seq-length', '1000000');
    expect(seq.code).toBe(2);
    expect(seq.stderr).toMatch(/--max-seq-length 1000000 and --resolution 32 \(16 image tokens\) make 1000019 positions, more than the model's max_sequence_length/);
    expect(existsSync(join(root, 'new.png'))).toBe(false);
  });

  it('understand: --resolution 1e6 is refused before the image is read', async () => {
    const r = await mmada('understand', '--model', model, '--vq', vq, '--image', join(root, 'none.png'), '--question', 'what?', '--resolution', '1000000', '--device', device);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--resolution is at most 8192, got 1000000/);
  });
});
