/**
 * The schema of `trainer_state.json`, the non-tensor half of a training checkpoint, checked field by field
 * before a resume trusts it: a `"step": "3"` would otherwise resume as step "31" (string concatenation) with
 * the wrong learning rate, and a missing `params` would crash with a TypeError deep inside the loader.
 * Parsing returns an fp-ts Either whose Left names the file, the field and what was expected.
 */
import * as E from 'fp-ts/lib/Either.js';
import { findDuplicateJsonKey, type Tensor } from '@mmada/tensor';
import type { TreeDef } from './pytree.js';

export const TRAINER_STATE_FORMAT = 'mmada-training-checkpoint/1';

/**
 * The largest step a checkpoint may record. Steps are folded into PRNG keys as 32-bit words, and no run of
 * this library takes two billion optimizer steps: a larger number is a corrupt file.
 */
export const MAX_TRAINER_STEP = 2 ** 31 - 1;

/** How deeply parameter / optimizer trees may nest (far beyond any optimizer's state). */
const MAX_TREE_DEPTH = 64;

/** One leaf of a saved tree: a tensor in state.safetensors, a PRNG key, or a JSON scalar. */
export type LeafRecord = { readonly tensor: string } | { readonly key: readonly [number, number] } | { readonly value: string | number | boolean | null };

export interface TreeRecord {
  readonly treedef: TreeDef;
  readonly leaves: readonly LeafRecord[];
}

/** The parsed `trainer_state.json`. */
export interface TrainerStateFile {
  readonly format: typeof TRAINER_STATE_FORMAT;
  readonly step: number;
  readonly key: readonly [number, number];
  readonly params: TreeRecord;
  readonly optState: TreeRecord;
  readonly extra?: Record<string, unknown>;
}

/** What is wrong with a trainer_state.json (or with the tensors it names): the file, the field, the problem. */
export class TrainerStateError extends Error {
  override readonly name = 'TrainerStateError';
  constructor(
    readonly file: string,
    readonly field: string | undefined,
    readonly detail: string,
  ) {
    super(`${file}: ${field !== undefined ? `${field}: ` : ''}${detail}`);
  }
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const show = (x: unknown): string => {
  if (x === undefined) return 'nothing (the field is missing)';
  if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
  const s = JSON.stringify(x) ?? String(x);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};
const isU32 = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff;

/** Thrown inside the recursive checks and turned into a Left at the top: keeps each check one line. */
class Invalid {
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {}
}

function checkKey(x: unknown, field: string): readonly [number, number] {
  if (!Array.isArray(x) || x.length !== 2 || !x.every(isU32)) throw new Invalid(field, `expected a PRNG key [word, word] of two unsigned 32-bit integers, got ${show(x)}`);
  return [x[0], x[1]];
}

/** Checks a treedef and returns how many leaves it has. */
function checkTreeDef(x: unknown, field: string, depth: number): number {
  if (depth > MAX_TREE_DEPTH) throw new Invalid(field, `nests deeper than ${MAX_TREE_DEPTH} levels`);
  if (!isObject(x)) throw new Invalid(field, `expected a tree node {"kind": "leaf" | "array" | "object", ...}, got ${show(x)}`);
  if (x.kind === 'leaf') return 1;
  if (x.kind !== 'array' && x.kind !== 'object') throw new Invalid(`${field}.kind`, `expected "leaf", "array" or "object", got ${show(x.kind)}`);
  if (!Array.isArray(x.children)) throw new Invalid(`${field}.children`, `expected an array, got ${show(x.children)}`);
  if (x.kind === 'object') {
    if (!Array.isArray(x.keys) || !x.keys.every((k) => typeof k === 'string')) throw new Invalid(`${field}.keys`, `expected an array of strings, got ${show(x.keys)}`);
    if (x.keys.length !== x.children.length) throw new Invalid(field, `has ${x.keys.length} keys but ${x.children.length} children`);
    if (new Set(x.keys).size !== x.keys.length) throw new Invalid(`${field}.keys`, 'names a key twice');
  }
  let n = 0;
  x.children.forEach((c, i) => (n += checkTreeDef(c, `${field}.children[${i}]`, depth + 1)));
  return n;
}

function checkLeaf(x: unknown, field: string): LeafRecord {
  if (!isObject(x)) throw new Invalid(field, `expected {"tensor": name}, {"key": [w, w]} or {"value": scalar}, got ${show(x)}`);
  const kinds = ['tensor', 'key', 'value'].filter((k) => Object.prototype.hasOwnProperty.call(x, k));
  if (kinds.length !== 1 || Object.keys(x).length !== 1) throw new Invalid(field, `expected exactly one of "tensor", "key", "value", got ${show(x)}`);
  if (kinds[0] === 'tensor') {
    if (typeof x.tensor !== 'string' || x.tensor === '') throw new Invalid(`${field}.tensor`, `expected a tensor name, got ${show(x.tensor)}`);
    return { tensor: x.tensor };
  }
  if (kinds[0] === 'key') return { key: checkKey(x.key, `${field}.key`) };
  const v = x.value;
  // JSON has no NaN, but 1e999 parses as Infinity.
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Invalid(`${field}.value`, `expected a finite number, got ${String(v)}`);
  if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
    throw new Invalid(`${field}.value`, `expected a JSON scalar (string, number, boolean or null), got ${show(v)}`);
  }
  return { value: v };
}

function checkTree(x: unknown, field: string): TreeRecord {
  if (!isObject(x)) throw new Invalid(field, `expected {"treedef": ..., "leaves": [...]}, got ${show(x)}`);
  const count = checkTreeDef(x.treedef, `${field}.treedef`, 0);
  if (!Array.isArray(x.leaves)) throw new Invalid(`${field}.leaves`, `expected an array, got ${show(x.leaves)}`);
  if (x.leaves.length !== count) throw new Invalid(`${field}.leaves`, `has ${x.leaves.length} leaves but the treedef has ${count}`);
  return { treedef: x.treedef as TreeDef, leaves: x.leaves.map((l, i) => checkLeaf(l, `${field}.leaves[${i}]`)) };
}

/** Checks an already-parsed trainer_state.json value. */
export function validateTrainerState(json: unknown, file: string): E.Either<TrainerStateError, TrainerStateFile> {
  try {
    if (!isObject(json)) throw new Invalid('', `expected a JSON object, got ${show(json)}`);
    if (json.format !== TRAINER_STATE_FORMAT) throw new Invalid('format', `expected ${show(TRAINER_STATE_FORMAT)}, got ${show(json.format)}`);
    const step = json.step;
    if (typeof step !== 'number' || !Number.isInteger(step)) throw new Invalid('step', `expected an integer, got ${show(step)}`);
    if (step < 0 || step > MAX_TRAINER_STEP) throw new Invalid('step', `expected 0 … ${MAX_TRAINER_STEP}, got ${step}`);
    const key = checkKey(json.key, 'key');
    const params = checkTree(json.params, 'params');
    const optState = checkTree(json.optState, 'optState');
    if (json.extra !== undefined && !isObject(json.extra)) throw new Invalid('extra', `expected an object, got ${show(json.extra)}`);
    const names = new Set<string>();
    for (const [field, tree] of [['params', params], ['optState', optState]] as const) {
      tree.leaves.forEach((l, i) => {
        if (!('tensor' in l)) return;
        if (names.has(l.tensor)) throw new Invalid(`${field}.leaves[${i}].tensor`, `names tensor ${show(l.tensor)}, which another leaf already uses`);
        names.add(l.tensor);
      });
    }
    return E.right({ format: TRAINER_STATE_FORMAT, step, key, params, optState, ...(json.extra !== undefined ? { extra: json.extra as Record<string, unknown> } : {}) });
  } catch (e) {
    if (e instanceof Invalid) return E.left(new TrainerStateError(file, e.field === '' ? undefined : e.field, e.detail));
    throw e;
  }
}

/** Parses and checks the text of a trainer_state.json (`file` names it in errors). */
export function parseTrainerState(text: string, file: string): E.Either<TrainerStateError, TrainerStateFile> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return E.left(new TrainerStateError(file, undefined, `not valid JSON (${(e as Error).message})`));
  }
  const duplicate = findDuplicateJsonKey(text);
  if (duplicate !== undefined) {
    return E.left(new TrainerStateError(file, duplicate.path === '$' ? undefined : duplicate.path.slice(2), `${show(duplicate.key)} appears twice`));
  }
  return validateTrainerState(json, file);
}

/**
 * Refuses a NaN or an infinity in any floating-point tensor of a checkpoint (`file` names it): a resumed
 * run would carry it into every later step. Reads each tensor back once.
 */
export async function checkFiniteTensors(tensors: Readonly<Record<string, Tensor>>, file: string): Promise<E.Either<TrainerStateError, void>> {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'f32' && t.dtype !== 'f16' && t.dtype !== 'bf16') continue;
    const data = (await t.data()) as Float32Array;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) {
        return E.left(new TrainerStateError(file, `tensor ${JSON.stringify(name)}`, `holds ${String(data[i])} at element ${i}; the checkpoint is not usable to resume from`));
      }
    }
  }
  return E.right(undefined);
}
