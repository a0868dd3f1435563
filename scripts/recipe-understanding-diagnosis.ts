/**
 * Where a recipe model's answers about images go wrong, on the recipe's validation split: in the `I see …`
 * list of what the image holds, or in the step from the list to the answer
 * (packages/cli/src/recipe/understanding-diagnosis.ts). Prints one JSON line.
 *
 *   node --import tsx scripts/recipe-understanding-diagnosis.ts MODEL_DIR [--count 100] [--device webgpu|cpu]
 *
 * The sampling is the one MODEL_DIR/recipe.json records (else the recipe's default).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import { renderScene } from '@mmada/eval';
import { init, type DeviceName } from '@mmada/tensor';
import { loadImageTokenizer, loadModel, loadTextTokenizer } from '@mmada/mmada';
import { answerAboutImages, RECIPE_SAMPLING } from '../packages/cli/src/recipe/recipe-eval.js';
import { readRecordedSampling } from '../packages/cli/src/recipe/recorded-sampling.js';
import { diagnoseUnderstanding } from '../packages/cli/src/recipe/understanding-diagnosis.js';
import { recipeValidationItems } from '../packages/cli/src/recipe/validation-split.js';

const { values, positionals } = parseArgs({ options: { count: { type: 'string' }, device: { type: 'string' } }, allowPositionals: true });
const dir = positionals[0];
const count = Number(values.count ?? 100);
const device = (values.device ?? 'webgpu') as DeviceName;
if (!dir || !Number.isInteger(count) || count < 1 || count > 10_000 || (device !== 'webgpu' && device !== 'cpu')) {
  console.error('usage: recipe-understanding-diagnosis.ts MODEL_DIR [--count N (1–10000)] [--device webgpu|cpu]');
  process.exit(2);
}
const must = <A>(e: E.Either<Error, A>, what: string): A => {
  if (E.isLeft(e)) {
    console.error(`${what}: ${e.left.message}`);
    process.exit(1);
  }
  return e.right;
};
await init({ device });
const tok = must(await loadTextTokenizer(dir)(), 'text tokenizer');
const vq = must(await loadImageTokenizer(join(dir, 'vq'), { device })(), 'image tokenizer');
const model = must(await loadModel(dir, { device })(), 'model');
const sampling = { ...RECIPE_SAMPLING, ...(await readRecordedSampling(dir)) };
const items = recipeValidationItems('understanding', count);
const answers: string[] = [];
for (let i = 0; i < items.length; i += 50) {
  const b = items.slice(i, i + 50);
  answers.push(...(await answerAboutImages(model, tok, vq, b.map((r) => renderScene(r.scene)), b.map((r) => r.question.question), 0, sampling)));
  process.stderr.write(`understanding ${answers.length}/${items.length}\n`);
}
console.log(JSON.stringify({ model: dir, split: 'validation', ...diagnoseUnderstanding(items, answers) }));
process.exit(0);
