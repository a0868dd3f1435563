import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { afterAll, describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import {
  adamw, chain, clipByGlobalNorm, loadTrainingCheckpoint, normalInit, optimizerStep, saveTrainingCheckpoint, valueAndGrad,
  warmupCosine, weightDecayMask, zerosInit, type TrainingState,
} from '../src/index.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

type Params = { l1: { weight: T.Tensor; bias: T.Tensor }; l2: { weight: T.Tensor; bias: T.Tensor }; note: string };

function initParams(key: T.PRNGKey): Params {
  const [k1, k2] = T.split(key);
  return {
    l1: { weight: normalInit(0.5)(k1!, [3, 6]), bias: zerosInit()(k1!, [6]) },
    l2: { weight: normalInit(0.5)(k2!, [6, 1]), bias: zerosInit()(k2!, [1]) },
    note: 'tiny regressor',
  };
}

const TOTAL = 8;
const optimizer = (p: Params) =>
  chain(clipByGlobalNorm(1), adamw(warmupCosine({ peak: 0.05, warmupSteps: 2, totalSteps: TOTAL, minLrScale: 0.1 }), { mask: weightDecayMask(p) }));

const loss = (p: Params, x: T.Tensor, y: T.Tensor) =>
  T.mean(T.square(T.sub(T.add(T.matmul(T.gelu(T.add(T.matmul(x, p.l1.weight), p.l1.bias)), p.l2.weight), p.l2.bias), y)));

/** Steps from `from` to `to`; each step's batch comes from the run key folded with the step. */
async function train(s: TrainingState<Params, unknown>, to: number): Promise<{ state: TrainingState<Params, unknown>; losses: number[] }> {
  const opt = optimizer(s.params);
  let { params, optState } = s;
  const losses: number[] = [];
  const vg = valueAndGrad(loss);
  for (let step = s.step; step < to; step++) {
    const k = T.foldIn(s.key, step);
    const x = T.normal(k, [8, 3]);
    const y = T.sin(T.sum(x, 1, { keepDims: true }));
    const { value, grads } = await vg(params, x, y);
    losses.push(await value.item());
    T.dispose([value, x, y]);
    ({ params, state: optState } = optimizerStep(opt, params, grads, optState));
  }
  return { state: { ...s, params, optState, step: to }, losses };
}

describe('training checkpoints', () => {
  it('resuming from step k gives exactly the losses of an uninterrupted run', async () => {
    const key = T.key(2024);
    const fresh = (): TrainingState<Params, unknown> => {
      const params = initParams(key);
      return { params, optState: optimizer(params).init(params), step: 0, key };
    };
    const straight = await train(fresh(), TOTAL);
    T.dispose([straight.state.params, straight.state.optState]);

    const dir = await mkdtemp(join(tmpdir(), 'autograd-ckpt-'));
    dirs.push(dir);
    const ckpt = join(dir, 'step-4');
    const firstHalf = await train(fresh(), 4);
    const saved = await saveTrainingCheckpoint(ckpt, { ...firstHalf.state, extra: { run: 'resume-test' } })();
    expect(E.isRight(saved)).toBe(true);
    T.dispose([firstHalf.state.params, firstHalf.state.optState]);

    const loaded = await loadTrainingCheckpoint<Params, unknown>(ckpt)();
    if (E.isLeft(loaded)) throw loaded.left;
    expect(loaded.right.step).toBe(4);
    expect(loaded.right.key).toEqual(key);
    expect(loaded.right.params.note).toBe('tiny regressor');
    expect(loaded.right.extra).toEqual({ run: 'resume-test' });
    const resumed = await train(loaded.right, TOTAL);
    expect([...firstHalf.losses, ...resumed.losses]).toEqual(straight.losses);
    T.dispose([resumed.state.params, resumed.state.optState]);
  });

  it('a later save replaces what a resume reads and leaves no temporaries; a missing root is a Left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'autograd-ckpt-'));
    dirs.push(dir);
    const ckpt = join(dir, 'latest');
    const a = { w: T.tensor([1, 2]) };
    for (const step of [1, 2]) {
      const r = await saveTrainingCheckpoint(ckpt, { params: a, optState: { count: step }, step, key: T.key(0) })();
      expect(E.isRight(r)).toBe(true);
    }
    expect(await readdir(dir)).toEqual(['latest']);
    expect((await readdir(ckpt)).sort()).toEqual(['latest.json', 'step-1', 'step-2']);
    expect((await readdir(join(ckpt, 'step-2'))).sort()).toEqual(['state.safetensors', 'trainer_state.json']);
    const back = await loadTrainingCheckpoint<typeof a, { count: number }>(ckpt)();
    if (E.isLeft(back)) throw back.left;
    expect(back.right.optState.count).toBe(2);
    expect(Array.from(await back.right.params.w.data())).toEqual([1, 2]);
    const missing = await loadTrainingCheckpoint(join(dir, 'nope'))();
    expect(E.isLeft(missing)).toBe(true);
    T.dispose([a, back.right.params]);
  });
});
