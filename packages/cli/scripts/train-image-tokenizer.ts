/**
 * Trains the mmada-tiny image tokenizer on ShapesWorld and evaluates it on held-out reference images.
 * Resumable: run it again with the same OUT and it continues from OUT/checkpoint.
 *
 *   node --import tsx packages/cli/scripts/train-image-tokenizer.ts [--out DIR] [--steps N] [--batch B] [--device cpu|webgpu]
 *        [--seed S] [--fresh] [--eval N] [--ship DIR] [--vq-lr LR] [--vq-ch C] [--vq-mult M1,M2,…] [--vq-bits K]
 *        [--vq-rec l1|l2] [--vq-beta B] [--vq-lam L] [--vq-gam G]
 *
 * Defaults: --out runs/mmada-tiny-vq, the shipped steps / batch / seed, the default device (MMADA_DEVICE), --eval 600.
 * The --vq-* flags are those of `mmada train --recipe mmada-tiny` (architecture and objective; shipped defaults).
 * With --ship DIR the trained tokenizer is written there with F16 weights (config.json, pytorch_model.safetensors),
 * with its loss log and curve, and the evaluation (evaluation.json) is of that shipped file as loaded back.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import { disposeImageTokenizer, loadImageTokenizer, saveImageTokenizer, IMAGE_TOKENIZER_LOSS_CURVE_FILE, IMAGE_TOKENIZER_LOSS_LOG_FILE } from '@mmada/mmada';
import { init } from '@mmada/tensor';
import { vqSetupFromFlags } from '../src/recipe/image-tokenizer-flags.js';
import { evaluateImageTokenizer, trainShapesWorldImageTokenizer, SHAPESWORLD_VQ_BATCH, SHAPESWORLD_VQ_STEPS } from '../src/recipe/image-tokenizer-stage.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'runs/mmada-tiny-vq' },
    steps: { type: 'string', default: String(SHAPESWORLD_VQ_STEPS) },
    batch: { type: 'string', default: String(SHAPESWORLD_VQ_BATCH) },
    device: { type: 'string' },
    seed: { type: 'string', default: '0' },
    fresh: { type: 'boolean', default: false },
    eval: { type: 'string', default: '600' },
    ship: { type: 'string' },
    ...Object.fromEntries(['vq-lr', 'vq-ch', 'vq-mult', 'vq-bits', 'vq-rec', 'vq-beta', 'vq-lam', 'vq-gam'].map((k) => [k, { type: 'string' as const }])),
  },
});
const device = await init(values.device ? { device: values.device as 'cpu' | 'webgpu' } : {});
const out = values.out!;
console.log(`training the image tokenizer on ${device} into ${out}`);
const t0 = performance.now();
const result = await trainShapesWorldImageTokenizer({
  out,
  steps: Number(values.steps),
  batch: Number(values.batch),
  seed: Number(values.seed),
  device,
  resume: !values.fresh,
  ...vqSetupFromFlags(values as Record<string, string | undefined>),
  onProgress: (line) => console.log(line),
});
const trainSeconds = result.history.reduce((s, e) => s + e.seconds, 0);
console.log(`trained to step ${result.step} (this call ${result.seconds.toFixed(0)} s; all steps ${trainSeconds.toFixed(0)} s)`);
const count = Number(values.eval);
let judged = result.tokenizer;
let evalDir = out;
if (values.ship) {
  // Shipped as F16 (half the bytes); the evaluation below is of the shipped file as loaded back.
  const ship = values.ship;
  const saved = await saveImageTokenizer(ship, result.tokenizer, { dtype: 'F16' })();
  if (E.isLeft(saved)) throw saved.left;
  for (const f of [IMAGE_TOKENIZER_LOSS_LOG_FILE, IMAGE_TOKENIZER_LOSS_CURVE_FILE]) await copyFile(join(out, f), join(ship, f));
  const loaded = await loadImageTokenizer(ship, { device })();
  if (E.isLeft(loaded)) throw loaded.left;
  judged = loaded.right;
  evalDir = ship;
  console.log(`shipped to ${ship}`);
}
if (count > 0) {
  const evaluation = await evaluateImageTokenizer(judged, { count });
  console.log(
    `held-out acceptance ${evaluation.accepted}/${evaluation.count} = ${(evaluation.acceptance * 100).toFixed(1)}% ` +
      `(references ${(evaluation.referenceAcceptance * 100).toFixed(1)}%), palette accuracy ${(evaluation.paletteAccuracy * 100).toFixed(2)}%, ` +
      `${evaluation.distinctCodes} distinct codes`,
  );
  for (const f of evaluation.failures.slice(0, 10)) console.log(`  rejected ${f.id} "${f.prompt}": ${f.reasons.join('; ')}`);
  const { failures, ...summary } = evaluation;
  const record = { ...summary, steps: result.step, device, trainSeconds: Math.round(trainSeconds), failures };
  await writeFile(join(evalDir, 'evaluation.json'), `${JSON.stringify(record, null, 2)}\n`);
}
if (judged !== result.tokenizer) disposeImageTokenizer(judged);
disposeImageTokenizer(result.tokenizer);
console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
