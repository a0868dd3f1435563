// trainer_state.json is checked against its schema before a resume trusts it; non-finite tensors are refused.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { afterAll, describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import { checkFiniteTensors, loadTrainingCheckpoint, parseTrainerState, saveTrainingCheckpoint, TrainerStateError, validateTrainerState } from '../src/index.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const good = () => ({
  format: 'mmada-training-checkpoint/1',
  step: 3,
  key: [0, 7],
  params: { treedef: { kind: 'object', keys: ['w', 'note'], children: [{ kind: 'leaf' }, { kind: 'leaf' }] }, leaves: [{ tensor: 'params.w' }, { value: 'hi' }] },
  optState: { treedef: { kind: 'array', children: [{ kind: 'leaf' }, { kind: 'leaf' }] }, leaves: [{ tensor: 'opt.0' }, { key: [1, 2] }] },
});

function error(json: unknown): string {
  const r = validateTrainerState(json, 'trainer_state.json');
  if (E.isRight(r)) throw new Error('expected a Left');
  expect(r.left).toBeInstanceOf(TrainerStateError);
  return r.left.message;
}

describe('validateTrainerState', () => {
  it('accepts a well-formed state and returns it typed', () => {
    const r = validateTrainerState(good(), 'f');
    expect(E.isRight(r) && [r.right.step, r.right.key, r.right.params.leaves.length]).toEqual([3, [0, 7], 2]);
  });

  it('refuses a step that is a string, negative, fractional or beyond 2^31 − 1', () => {
    expect(error({ ...good(), step: '3' })).toBe('trainer_state.json: step: expected an integer, got "3"');
    expect(error({ ...good(), step: -1 })).toBe('trainer_state.json: step: expected 0 … 2147483647, got -1');
    expect(error({ ...good(), step: 1e12 })).toBe('trainer_state.json: step: expected 0 … 2147483647, got 1000000000000');
    expect(error({ ...good(), step: 1.5 })).toBe('trainer_state.json: step: expected an integer, got 1.5');
    const { step: _, ...noStep } = good();
    expect(error(noStep)).toBe('trainer_state.json: step: expected an integer, got nothing (the field is missing)');
  });

  it('refuses a missing or malformed params / optState tree, naming the field', () => {
    const { params: _, ...noParams } = good();
    expect(error(noParams)).toBe('trainer_state.json: params: expected {"treedef": ..., "leaves": [...]}, got nothing (the field is missing)');
    const fewer = good();
    fewer.params.leaves.pop();
    expect(error(fewer)).toBe('trainer_state.json: params.leaves: has 1 leaves but the treedef has 2');
    const kind = good();
    (kind.optState.treedef as { kind: string }).kind = 'set';
    expect(error(kind)).toBe('trainer_state.json: optState.treedef.kind: expected "leaf", "array" or "object", got "set"');
    const keys = good();
    keys.params.treedef.keys = ['w'];
    expect(error(keys)).toBe('trainer_state.json: params.treedef: has 1 keys but 2 children');
    const leaf = good();
    (leaf.params.leaves as unknown[])[1] = { value: { nested: true } };
    expect(error(leaf)).toBe('trainer_state.json: params.leaves[1].value: expected a JSON scalar (string, number, boolean or null), got {"nested":true}');
    const both = good();
    (both.params.leaves as unknown[])[1] = { value: 1, tensor: 'x' };
    expect(error(both)).toMatch(/params\.leaves\[1\]: expected exactly one of "tensor", "key", "value"/);
    const shared = good();
    shared.optState.leaves[0] = { tensor: 'params.w' };
    expect(error(shared)).toBe('trainer_state.json: optState.leaves[0].tensor: names tensor "params.w", which another leaf already uses');
  });

  it('refuses a bad format, PRNG key, extra, and an infinite scalar', () => {
    expect(error({ ...good(), format: 'other/2' })).toBe('trainer_state.json: format: expected "mmada-training-checkpoint/1", got "other/2"');
    expect(error({ ...good(), key: [0, 2 ** 32] })).toMatch(/^trainer_state\.json: key: expected a PRNG key \[word, word\] of two unsigned 32-bit integers, got \[0,4294967296\]/);
    expect(error({ ...good(), extra: [1] })).toBe('trainer_state.json: extra: expected an object, got [1]');
    const inf = good();
    (inf.params.leaves as unknown[])[1] = { value: Infinity };
    expect(error(inf)).toBe('trainer_state.json: params.leaves[1].value: expected a finite number, got Infinity');
    expect(error([])).toBe('trainer_state.json: expected a JSON object, got []');
  });

  it('refuses a tree nested deeper than any optimizer state (no stack overflow)', () => {
    let def: unknown = { kind: 'leaf' };
    for (let i = 0; i < 10_000; i++) def = { kind: 'array', children: [def] };
    expect(error({ ...good(), params: { treedef: def, leaves: [{ value: 1 }] } })).toMatch(/params\.treedef(\.children\[0\])+: nests deeper than 64 levels/);
  });
});

describe('parseTrainerState', () => {
  it('refuses invalid JSON, 1e999 as a step, and a field given twice', () => {
    expect(E.isLeft(parseTrainerState('{', 'f'))).toBe(true);
    const text = JSON.stringify(good());
    const r = parseTrainerState(text.replace('"step":3', '"step":1e999'), 'f');
    expect(E.isLeft(r) && r.left.message).toBe('f: step: expected an integer, got Infinity');
    const twice = parseTrainerState(text.replace('"step":3', '"step":3,"step":"31"'), 'f');
    expect(E.isLeft(twice) && twice.left.message).toBe('f: "step" appears twice');
    expect(E.isRight(parseTrainerState(text, 'f'))).toBe(true);
  });
});

describe('checkFiniteTensors and loadTrainingCheckpoint', () => {
  it('refuses NaN or Inf in a floating-point tensor and passes integer tensors', async () => {
    const ok = { a: T.tensor([1, 2]), ids: T.tensor([1, 2], [2], 'i32') };
    expect(E.isRight(await checkFiniteTensors(ok, 'state.safetensors'))).toBe(true);
    const bad = { 'opt.0.mu': T.tensor([0, Number.NaN, 1]) };
    const r = await checkFiniteTensors(bad, 'state.safetensors');
    expect(E.isLeft(r) && r.left.message).toBe('state.safetensors: tensor "opt.0.mu": holds NaN at element 1; the checkpoint is not usable to resume from');
    T.dispose([ok, bad]);
  });

  it('a resume from an edited trainer_state.json or a NaN in an optimizer tensor is a Left naming the file and field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'autograd-trainer-state-'));
    dirs.push(dir);
    const params = { w: T.tensor([1, 2]) };
    const saved = await saveTrainingCheckpoint(dir, { params, optState: { mu: T.tensor([0, 0]), count: 3 }, step: 3, key: T.key(1) })();
    if (E.isLeft(saved)) throw saved.left;
    const meta = join(dir, 'step-3', 'trainer_state.json');
    const text = await readFile(meta, 'utf8');

    await writeFile(meta, text.replace('"step": 3', '"step": "3"'));
    const r = await loadTrainingCheckpoint(dir)();
    expect(E.isLeft(r) && r.left.message).toBe(`${meta}: step: expected an integer, got "3"`);

    await writeFile(meta, JSON.stringify({ ...JSON.parse(text), params: undefined }));
    const p = await loadTrainingCheckpoint(dir)();
    expect(E.isLeft(p) && p.left.message).toBe(`${meta}: params: expected {"treedef": ..., "leaves": [...]}, got nothing (the field is missing)`);

    // NaN in the optimizer's first moment: rewrite the state file with the same names.
    await writeFile(meta, text);
    const nan = await saveTrainingCheckpoint(join(dir, 'other'), { params, optState: { mu: T.tensor([0, Number.POSITIVE_INFINITY]), count: 3 }, step: 3, key: T.key(1) })();
    if (E.isLeft(nan)) throw nan.left;
    const n = await loadTrainingCheckpoint(join(dir, 'other'))();
    expect(E.isLeft(n) && n.left.message).toBe(`${join(dir, 'other', 'step-3', 'state.safetensors')}: tensor "opt.mu": holds Infinity at element 1; the checkpoint is not usable to resume from`);
    const back = await loadTrainingCheckpoint<typeof params>(dir)();
    if (E.isLeft(back)) throw back.left;
    expect(back.right.step).toBe(3);
    T.dispose([params, back.right.params, back.right.optState as never]);
  });
});
