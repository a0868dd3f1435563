/**
 * Where a recipe model's answers about images go wrong, on the recipe's validation split: in the `I see …`
 * list of what the image holds, or in the step from the list to the answer
 * (packages/cli/src/recipe/understanding-diagnosis.ts). Prints one JSON line.
 *
 *   node --import tsx scripts/recipe-understanding-diagnosis.ts MODEL_DIR [--count 100] [--device webgpu|cpu]
 *
 * The sampling is the one MODEL_DIR/recipe.json records (else the recipe's default).
 */
import { parseArgs } from 'node:util';
import { renderScene } from '@mmada/eval';
import { answerAboutImages } from '../packages/cli/src/recipe/recipe-eval.js';
import { diagnoseUnderstanding } from '../packages/cli/src/recipe/understanding-diagnosis.js';
import { recipeValidationItems } from '../packages/cli/src/recipe/validation-split.js';
import { countAndDevice, loadRecipeModel } from './recipe-model.js';

const { values, positionals } = parseArgs({ options: { count: { type: 'string' }, device: { type: 'string' } }, allowPositionals: true });
const dir = positionals[0];
const args = countAndDevice(values);
if (!dir || !args) {
  console.error('usage: recipe-understanding-diagnosis.ts MODEL_DIR [--count N (1–10000)] [--device webgpu|cpu]');
  process.exit(2);
}
const { count } = args;
const { tok, vq, model, sampling } = await loadRecipeModel(dir, args.device);
const items = recipeValidationItems('understanding', count);
const answers: string[] = [];
for (let i = 0; i < items.length; i += 50) {
  const b = items.slice(i, i + 50);
  answers.push(...(await answerAboutImages(model, tok, vq, b.map((r) => renderScene(r.scene)), b.map((r) => r.question.question), 0, sampling)));
  process.stderr.write(`understanding ${answers.length}/${items.length}\n`);
}
console.log(JSON.stringify({ model: dir, split: 'validation', ...diagnoseUnderstanding(items, answers) }));
process.exit(0);
