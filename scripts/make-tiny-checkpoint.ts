/**
 * Writes a tiny random MMaDA checkpoint in the upstream layout — config.json, model.safetensors,
 * tokenizer.json, tokenizer_config.json — for trying the `mmada` command and the APIs without downloading
 * 16 GB. The config is the zoo's `mmada-tiny` (≈41 K parameters, the project's small byte-level BPE
 * tokenizer); the weights are random (seeded), so the text it generates is noise.
 *
 *   node --import tsx scripts/make-tiny-checkpoint.ts [OUTPUT_DIR] [--seed N] [--config NAME]
 *
 * OUTPUT_DIR defaults to tmp/tiny-mmada. NAME is any zoo config that uses the tiny tokenizer
 * (mmada-tiny, mmada-small).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import { init, key } from '@mmada/tensor';
import { createModel, disposeModel, saveModel, zooConfig } from '@mmada/mmada';

const { values, positionals } = parseArgs({ options: { seed: { type: 'string' }, config: { type: 'string' } }, allowPositionals: true });
const out = positionals[0] ?? 'tmp/tiny-mmada';
const name = values.config ?? 'mmada-tiny';
const config = zooConfig(name);
if (!config || config.embeddingSize !== 320) {
  console.error(`--config must be a zoo config with the tiny tokenizer's vocabulary (mmada-tiny, mmada-small), got ${name}`);
  process.exit(2);
}
await init({ device: 'cpu' });
const model = createModel(config, key(Number(values.seed ?? 0)), { std: 0.3 });
const saved = await saveModel(model, out)();
disposeModel(model);
if (E.isLeft(saved)) {
  console.error(saved.left.message);
  process.exit(1);
}
const tokenizerDir = fileURLToPath(new URL('../packages/mmada/test/fixtures/tiny-tokenizer/', import.meta.url));
mkdirSync(out, { recursive: true });
for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(tokenizerDir, f), join(out, f));
console.log(`wrote ${out} (${name})`);
