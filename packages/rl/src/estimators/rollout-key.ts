import { foldIn, key, type PRNGKey } from '@mmada/tensor';

/**
 * The key of one generation batch: foldIn(key(seed), step). Every estimator folds in the inner iteration and
 * the row's sample id (`maskKey`), so masks are keyed by (seed, step, iteration, sample) and every variant of
 * an ablation sees the same ones.
 */
export function rolloutKey(seed: number, step: number): PRNGKey {
  return foldIn(key(seed), step);
}

/** The key of one row's mask at one inner iteration: foldIn(foldIn(batchKey, iteration), sampleId). */
export function maskKey(batchKey: PRNGKey, iteration: number, sampleId: number): PRNGKey {
  return foldIn(foldIn(batchKey, iteration), sampleId);
}
