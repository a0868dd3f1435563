import * as E from 'fp-ts/lib/Either.js';
import { join } from 'node:path';
import { init } from '@mmada/tensor';
import { renderScene } from '@mmada/eval';
import { loadImageTokenizer, loadModel, loadTextTokenizer } from '@mmada/mmada';
import { answerAboutImages, RECIPE_SAMPLING } from '../../packages/cli/src/recipe/recipe-eval.js';
import { recipeValidationItems } from '../../packages/cli/src/recipe/validation-split.js';
import { describeScene } from '../../packages/cli/src/recipe/shapesworld-text.js';
const dir = process.argv[2]!;
const must = <A>(e: E.Either<Error, A>) => { if (E.isLeft(e)) throw e.left; return e.right; };
await init({ device: 'webgpu' });
const tok = must(await loadTextTokenizer(dir)());
const vq = must(await loadImageTokenizer(join(dir, 'vq'), { device: 'webgpu' })());
const model = must(await loadModel(dir, { device: 'webgpu' })());
const items = recipeValidationItems('understanding', 100);
const out: string[] = [];
for (let i = 0; i < items.length; i += 50) {
  const b = items.slice(i, i + 50);
  out.push(...await answerAboutImages(model, tok, vq, b.map((r) => renderScene(r.scene)), b.map((r) => r.question.question), 0, RECIPE_SAMPLING));
}
let exact = 0, objsRight = 0, objsTotal = 0, countRight = 0;
const per: Record<string, [number, number]> = {};
for (const [i, r] of items.entries()) {
  const truth = describeScene(r.scene);
  const said = /<think>(I see[^.]*\.)/.exec(out[i]!)?.[1] ?? '';
  const ok = said === truth;
  exact += +ok;
  const objs = (s: string) => s.replace(/^I see (a )?/, '').replace(/\.$/, '').split(/, a | and a /);
  const t = objs(truth), s = objs(said);
  objsTotal += t.length; objsRight += t.filter((o) => s.includes(o)).length; countRight += +(t.length === s.length);
  const c = r.category; per[c] ??= [0, 0]; per[c]![0]++; per[c]![1] += +ok;
  if (i < 6) console.log(JSON.stringify({ q: r.question.question, truth, said: out[i] }));
}
console.log(JSON.stringify({ n: items.length, exactDescription: exact, objectsRight: `${objsRight}/${objsTotal}`, objectCountRight: countRight, per }));
process.exit(0);
