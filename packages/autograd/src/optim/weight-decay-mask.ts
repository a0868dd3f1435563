import { leavesWithPaths, isTensor, mapLeaves } from '../pytree.js';

/**
 * Substrings of parameter names that upstream MMaDA (and LLaDA / Show-o) train without weight decay:
 * `no_decay = ["bias", "layer_norm.weight", "mlm_ln.weight", "embeddings.weight"]`.
 */
export const UPSTREAM_NO_DECAY: readonly string[] = ['bias', 'layer_norm.weight', 'mlm_ln.weight', 'embeddings.weight'];

/** Which parameters get weight decay: a tree of booleans like the params, or a function of the key path. */
export type WeightDecayMask = unknown | ((path: string) => boolean);

/**
 * The rule as a function of a key path: a parameter is decayed unless its key path (the pytree path,
 * e.g. `model.transformer.blocks.0.attn_out.bias`) contains one of `exclude` as a substring —
 * exactly upstream's `not any(nd in name for nd in no_decay)`.
 */
export function decayUnlessNameContains(exclude: readonly string[] = UPSTREAM_NO_DECAY): (path: string) => boolean {
  return (path) => !exclude.some((s) => path.includes(s));
}

/**
 * A boolean tree with the structure of `params`: true where weight decay applies (tensor leaves whose key
 * path contains none of `exclude`), false elsewhere.
 */
export function weightDecayMask<P>(params: P, exclude: readonly string[] = UPSTREAM_NO_DECAY): unknown {
  const rule = decayUnlessNameContains(exclude);
  return mapLeaves(params, (leaf: unknown, path: string) => isTensor(leaf) && rule(path));
}

/** The key paths a mask decays, for logging / checking a mask. */
export function decayedPaths(params: unknown, mask: WeightDecayMask): string[] {
  const decided = resolveMask(params, mask);
  return leavesWithPaths(params)
    .filter(({ leaf, path }) => isTensor(leaf) && decided(path))
    .map(({ path }) => path);
}

/** A mask (tree or function) as a function of the key path. */
export function resolveMask(params: unknown, mask: WeightDecayMask | undefined): (path: string) => boolean {
  if (mask === undefined) return () => true;
  if (typeof mask === 'function') return mask as (path: string) => boolean;
  const table = new Map(leavesWithPaths(mask).map(({ path, leaf }) => [path, leaf === true]));
  void params;
  return (path) => table.get(path) ?? false;
}
