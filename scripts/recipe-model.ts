/**
 * What the recipe scripts (recipe-validation-scores.ts, recipe-understanding-diagnosis.ts) share: loading a
 * recipe model directory (text tokenizer, image tokenizer, model, the sampling its recipe.json records), with
 * a one-line error naming what failed.
 */
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { init, type DeviceName } from '@mmada/tensor';
import { loadImageTokenizer, loadModel, loadTextTokenizer } from '@mmada/mmada';
import { RECIPE_SAMPLING } from '../packages/cli/src/recipe/recipe-eval.js';
import { readRecordedSampling } from '../packages/cli/src/recipe/recorded-sampling.js';

/** Parses `--count` (1–10000) and `--device` (webgpu or cpu); undefined when either is unusable. */
export function countAndDevice(values: { count?: string; device?: string }): { count: number; device: DeviceName } | undefined {
  const count = Number(values.count ?? 100);
  const device = (values.device ?? 'webgpu') as DeviceName;
  return Number.isInteger(count) && count >= 1 && count <= 10_000 && (device === 'webgpu' || device === 'cpu') ? { count, device } : undefined;
}

const must = <A>(e: E.Either<Error, A>, what: string): A => {
  if (E.isLeft(e)) {
    console.error(`${what}: ${e.left.message}`);
    process.exit(1);
  }
  return e.right;
};

export async function loadRecipeModel(dir: string, device: DeviceName) {
  await init({ device });
  const tok = must(await loadTextTokenizer(dir)(), 'text tokenizer');
  const vq = must(await loadImageTokenizer(join(dir, 'vq'), { device })(), 'image tokenizer');
  const model = must(await loadModel(dir, { device })(), 'model');
  const sampling = { ...RECIPE_SAMPLING, ...(await readRecordedSampling(dir)) };
  return { tok, vq, model, sampling };
}
