import { Tensor, isKey } from '@mmada/tensor';

/**
 * Pytrees: nested plain objects and arrays whose leaves are tensors (or anything else, which passes
 * through untouched). Containers are arrays and plain objects (prototype Object.prototype or null);
 * everything else — tensors, numbers, strings, PRNG keys, class instances, null — is a leaf.
 *
 * Every leaf has a key path: the container keys from the root joined by '.', e.g. `layers.0.attn.q.weight`.
 * Object keys are visited in insertion order, so flattening is stable and matches how the tree was built.
 */
export type PyTree<L = Tensor> = L | readonly PyTree<L>[] | { readonly [key: string]: PyTree<L> };

/** One leaf and its key path. */
export interface PathLeaf<L = unknown> {
  readonly path: string;
  readonly leaf: L;
}

/** True for the containers pytrees descend into (arrays and plain objects; not PRNG keys). */
export function isContainer(x: unknown): x is readonly unknown[] | Record<string, unknown> {
  if (Array.isArray(x)) return true;
  if (x === null || typeof x !== 'object' || x instanceof Tensor || isKey(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

function joinPath(prefix: string, key: string | number): string {
  return prefix === '' ? String(key) : `${prefix}.${key}`;
}

/** Every leaf with its key path, depth first, in key order. A bare leaf has path ''. */
export function leavesWithPaths(tree: unknown, prefix = ''): PathLeaf[] {
  const out: PathLeaf[] = [];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, joinPath(path, i)));
    else if (isContainer(node)) for (const [k, v] of Object.entries(node)) walk(v, joinPath(path, k));
    else out.push({ path, leaf: node });
  };
  walk(tree, prefix);
  return out;
}

/** The leaves of a tree, in key-path order. */
export function treeLeaves(tree: unknown): unknown[] {
  return leavesWithPaths(tree).map((l) => l.leaf);
}

/** The tensor leaves of a tree, in key-path order. */
export function tensorLeaves(tree: unknown): Tensor[] {
  return treeLeaves(tree).filter(isTensor);
}

/** The tensor leaves keyed by path, e.g. `{ 'layers.0.w': Tensor }` (checkpoint names). */
export function flattenToRecord(tree: unknown, prefix = ''): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const { path, leaf } of leavesWithPaths(tree, prefix)) if (isTensor(leaf)) out[path] = leaf;
  return out;
}

/** The shape of a tree without its leaves, to rebuild it from a list of leaves. */
export type TreeDef =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'array'; readonly children: readonly TreeDef[] }
  | { readonly kind: 'object'; readonly keys: readonly string[]; readonly children: readonly TreeDef[] };

/** Splits a tree into its leaves (key-path order) and its structure. */
export function flatten(tree: unknown): { leaves: unknown[]; paths: string[]; treedef: TreeDef } {
  const leaves: unknown[] = [];
  const paths: string[] = [];
  const walk = (node: unknown, path: string): TreeDef => {
    if (Array.isArray(node)) return { kind: 'array', children: node.map((v, i) => walk(v, joinPath(path, i))) };
    if (isContainer(node)) {
      const keys = Object.keys(node);
      return { kind: 'object', keys, children: keys.map((k) => walk((node as Record<string, unknown>)[k], joinPath(path, k))) };
    }
    leaves.push(node);
    paths.push(path);
    return { kind: 'leaf' };
  };
  const treedef = walk(tree, '');
  return { leaves, paths, treedef };
}

/** Rebuilds a tree from its structure and leaves (inverse of flatten). */
export function unflatten<T = unknown>(treedef: TreeDef, leaves: readonly unknown[]): T {
  let i = 0;
  const build = (def: TreeDef): unknown => {
    switch (def.kind) {
      case 'leaf':
        if (i >= leaves.length) throw new Error(`unflatten: ${leaves.length} leaves are too few for this tree`);
        return leaves[i++];
      case 'array':
        return def.children.map(build);
      case 'object': {
        const o: Record<string, unknown> = {};
        def.keys.forEach((k, j) => {
          o[k] = build(def.children[j]!);
        });
        return o;
      }
    }
  };
  const out = build(treedef);
  if (i !== leaves.length) throw new Error(`unflatten: ${leaves.length} leaves for a tree of ${i}`);
  return out as T;
}

/**
 * Maps every tensor leaf of `tree` (non-tensor leaves pass through). `others` are trees of the same
 * structure; fn receives their leaves at the same path (e.g. `mapTensors(params, (p, _, g) => sub(p, g), grads)`).
 */
export function mapTensors<T>(tree: T, fn: (leaf: Tensor, path: string, ...others: any[]) => Tensor, ...others: readonly unknown[]): T {
  return mapLeaves(tree, (leaf: unknown, path, ...rest) => (isTensor(leaf) ? fn(leaf, path, ...rest) : leaf), ...others) as T;
}

/** Maps every leaf (tensor or not) of `tree`; `others` as in mapTensors. */
export function mapLeaves<T, R = unknown>(tree: T, fn: (leaf: any, path: string, ...others: any[]) => R, ...others: readonly unknown[]): unknown {
  const walk = (node: unknown, path: string, rest: readonly unknown[]): unknown => {
    if (Array.isArray(node)) return node.map((v, i) => walk(v, joinPath(path, i), rest.map((r) => childOf(r, i, path))));
    if (isContainer(node)) {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) o[k] = walk(v, joinPath(path, k), rest.map((r) => childOf(r, k, path)));
      return o;
    }
    return fn(node, path, ...rest);
  };
  return walk(tree, '', others);
}

function childOf(tree: unknown, key: string | number, path: string): unknown {
  if (tree === undefined || tree === null || typeof tree !== 'object' || !(key in (tree as object))) {
    throw new Error(`pytree structures differ at '${joinPath(path, key)}'`);
  }
  return (tree as Record<string | number, unknown>)[key];
}
