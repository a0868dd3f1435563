/** What the CLI tests share: running the command in-process, and the tiny checkpoints they run it on. */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { key, type DeviceName } from '@mmada/tensor';
import { createModel, disposeImageTokenizer, disposeModel, initImageTokenizer, MODEL_ZOO, saveImageTokenizer, saveModel, vqConfig } from '@mmada/mmada';
import { runCli, type CliIO } from '../src/index.js';

/** Runs the CLI in-process and captures its streams. */
export async function mmada(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), interactive: false };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** A random `mmada-tiny` checkpoint with the project's tiny tokenizer, written to `dir`. */
export async function writeTinyModel(dir: string, seed: number, device: DeviceName): Promise<void> {
  const m = createModel(MODEL_ZOO['mmada-tiny'], key(seed), { device, std: 0.3 });
  const saved = await saveModel(m, dir)();
  disposeModel(m);
  if (E.isLeft(saved)) throw saved.left;
  const tok = fileURLToPath(new URL('../../mmada/test/fixtures/tiny-tokenizer/', import.meta.url));
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) cpSync(join(tok, f), join(dir, f));
}

/** A random image tokenizer speaking the tiny model's 16-code codebook: 4 bits, 8 px per token. */
export async function writeTinyImageTokenizer(dir: string, seed: number, device: DeviceName): Promise<void> {
  const config = vqConfig({ ch: 8, encoderChMult: [1, 1, 1, 1], encoderNumResBlocks: [1, 1, 1, 1], decoderChMult: [1, 1, 1, 1], decoderNumResBlocks: [1, 1, 1, 1], bits: 4, normGroups: 4 });
  const t = initImageTokenizer(config, key(seed), { device });
  const saved = await saveImageTokenizer(dir, t)();
  disposeImageTokenizer(t);
  if (E.isLeft(saved)) throw saved.left;
}
