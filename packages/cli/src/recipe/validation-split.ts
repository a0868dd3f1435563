/**
 * The recipe's validation split: ShapesWorld train-stream items after the pools the stages draw from
 * (RECIPE_POOL_SIZES), minus any that repeat a pool item. Sampling choices (guidance, decoding) are made on
 * it, so the test split only ever measures. The train stream already excludes every test item.
 *
 * Small item spaces run out: every t2i single-object and colours item (a few hundred distinct prompt and scene
 * pairs) is either a test item or already in the 8000-item pool, so the t2i validation items are of the other four
 * categories (two objects, counting, position, colour attribute).
 */
import { generateShapesWorld, shapesWorldContentKey, type ShapesWorldRecord, type ShapesWorldTask } from '@mmada/eval';
import { RECIPE_POOL_SIZES } from './recipe-config.js';

type RecordOf<T extends ShapesWorldTask> = Extract<ShapesWorldRecord, { task: T }>;

/** The first `count` validation items of `task` for pools of the given sizes (default the recipe's). */
export function recipeValidationItems<T extends ShapesWorldTask>(task: T, count: number, pools: { reasoning: number; images: number } = RECIPE_POOL_SIZES): RecordOf<T>[] {
  if (!Number.isInteger(count) || count < 1 || count > 100_000) throw new RangeError(`recipeValidationItems: count must be an integer in [1, 100000], got ${count}`);
  const poolSize = task === 'reasoning' ? pools.reasoning : pools.images;
  // Twice the count (plus slack) suffices where repeats of pool items are rare; grow where they are not.
  for (let extra = 2 * count + 64; ; extra *= 2) {
    const stream = generateShapesWorld(task, { split: 'train', count: poolSize + extra });
    const seen = new Set(stream.slice(0, poolSize).map(shapesWorldContentKey));
    const fresh = stream.slice(poolSize).filter((r) => !seen.has(shapesWorldContentKey(r)));
    if (fresh.length >= count) return fresh.slice(0, count) as RecordOf<T>[];
    if (extra > 64 * count + 1_000_000) throw new Error(`ShapesWorld ${task}: fewer than ${count} train items outside a pool of ${poolSize}`);
  }
}
