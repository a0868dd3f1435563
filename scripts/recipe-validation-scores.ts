/**
 * Scores a recipe model on the recipe's validation split (ShapesWorld train items after the training pools:
 * packages/cli/src/recipe/validation-split.ts), the split that choices between models and samplers are made
 * on; the test split only measures the chosen one. Prints one JSON line.
 *
 *   node --import tsx scripts/recipe-validation-scores.ts MODEL_DIR [--count 100] [--guidance W] [--no-plan] [--device webgpu|cpu]
 *
 * The sampling is the one MODEL_DIR/recipe.json records (else the recipe's default), with --guidance replacing
 * its image guidance.
 */
import { parseArgs } from 'node:util';
import { evaluateRecipeModel } from '../packages/cli/src/recipe/recipe-eval.js';
import { countAndDevice, loadRecipeModel } from './recipe-model.js';

const { values, positionals } = parseArgs({
  options: { count: { type: 'string' }, guidance: { type: 'string' }, 'no-plan': { type: 'boolean' }, device: { type: 'string' } },
  allowPositionals: true,
});
const dir = positionals[0];
const args = countAndDevice(values);
if (!dir || !args) {
  console.error('usage: recipe-validation-scores.ts MODEL_DIR [--count N (1–10000)] [--guidance W] [--no-plan] [--device webgpu|cpu]');
  process.exit(2);
}
const { count } = args;
const { tok, vq, model, sampling: recorded } = await loadRecipeModel(dir, args.device);
const sampling = { ...recorded, ...(values.guidance !== undefined ? { guidanceScale: Number(values.guidance) } : {}) };
const t0 = performance.now();
const s = await evaluateRecipeModel(model, tok, vq, {
  count, split: 'validation', planFirst: !values['no-plan'], sampling, onProgress: (family, done, total) => process.stderr.write(`${family} ${done}/${total}\n`),
});
const pct = (x: number) => Math.round(1000 * x) / 10;
console.log(JSON.stringify({
  model: dir, split: 'validation', count, guidanceScale: sampling.guidanceScale ?? 0, seconds: Math.round((performance.now() - t0) / 1000),
  reasoning: pct(s.reasoning.accuracy), think: pct(s.reasoning.thinkFormatRate), understanding: pct(s.understanding.accuracy), t2i: pct(s.t2i.accuracy),
  single: pct(s.t2i.byCategory.single_object?.accuracy ?? 0),
  t2iByCategory: Object.fromEntries(Object.entries(s.t2i.byCategory).map(([k, v]) => [k, `${v.correct}/${v.n}`])),
  understandingByCategory: Object.fromEntries(Object.entries(s.understanding.byCategory).map(([k, v]) => [k, `${v.correct}/${v.n}`])),
}));
process.exit(0);
