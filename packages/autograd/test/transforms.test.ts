import { describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import { grad, stopGradient, valueAndGrad, vjp, adamw, optimizerStep, clipByGlobalNorm, chain, weightDecayMask } from '../src/index.js';

const vals = async (t: T.Tensor) => Array.from(await t.data()).map((v) => Math.round(v * 1e5) / 1e5);

describe('grad / valueAndGrad / vjp / stopGradient over pytrees', () => {
  it('differentiates a nested record/array tree; non-tensor leaves pass through', async () => {
    const params = { layer: { w: T.tensor([1, 2, 3]), b: T.tensor([0.5]) }, list: [T.tensor([2]), 'name', 3], unused: T.tensor([7, 7]) };
    const loss = (p: typeof params, x: T.Tensor) =>
      T.sum(T.add(T.mul(T.mul(p.layer.w, x), p.list[0] as T.Tensor), p.layer.b));
    const x = T.tensor([1, -1, 2]);
    const { value, grads } = await valueAndGrad(loss)(params, x);
    expect(await value.item()).toBeCloseTo(2 * (1 - 2 + 6) + 1.5, 5);
    expect(await vals(grads.layer.w)).toEqual([2, -2, 4]);
    expect(await vals(grads.layer.b)).toEqual([3]);
    expect(await vals(grads.list[0] as T.Tensor)).toEqual([5]);
    expect(grads.list[1]).toBe('name');
    expect(grads.list[2]).toBe(3);
    expect(await vals(grads.unused)).toEqual([0, 0]);
    T.dispose([params, x, value, grads]);
  });

  it('hasAux returns the auxiliary tree, and grad drops the value', async () => {
    const w = T.tensor([3]);
    const { value, grads, aux } = await valueAndGrad((p: T.Tensor) => {
      const y = T.mul(p, p);
      return [T.sum(y), { y, note: 'aux' }] as const;
    }, { hasAux: true })(w);
    expect(await vals(grads)).toEqual([6]);
    expect(await vals(aux.y)).toEqual([9]);
    expect(aux.note).toBe('aux');
    const g = await grad((p: T.Tensor) => T.sum(T.exp(p)))(w);
    expect((await vals(g))[0]).toBeCloseTo(Math.exp(3), 3);
    T.dispose([w, value, grads, aux, g]);
  });

  it('a tensor used twice accumulates; the same leaf twice in the tree gets its gradient twice', async () => {
    const a = T.tensor([2]);
    const { value, grads } = await valueAndGrad((p: T.Tensor[]) => T.sum(T.mul(p[0]!, p[1]!)))([a, a]);
    expect(await vals(grads[0]!)).toEqual([4]);
    expect(await vals(grads[1]!)).toEqual([4]);
    T.dispose([a, value, grads]);
  });

  it('async loss functions and stopGradient', async () => {
    const w = T.tensor([2]);
    const { value, grads } = await valueAndGrad(async (p: T.Tensor) => {
      await Promise.resolve();
      const frozen = stopGradient(p);
      return T.sum(T.mul(p, frozen)); // d/dp (p·sg(p)) = sg(p) = 2
    })(w);
    expect(await vals(grads)).toEqual([2]);
    T.dispose([w, value, grads]);
  });

  it('vjp pulls a cotangent tree back to every primal', async () => {
    const x = T.tensor([1, 2]);
    const y = T.tensor([3, 4]);
    const { out, backward } = await vjp((a: T.Tensor, b: T.Tensor) => ({ prod: T.mul(a, b), sum: T.add(a, b) }), x, y);
    const ct = { prod: T.tensor([1, 1]), sum: T.tensor([10, 0]) };
    const [gx, gy] = backward(ct);
    expect(await vals(gx)).toEqual([13, 4]);
    expect(await vals(gy)).toEqual([11, 2]);
    expect(() => backward(ct)).toThrow(/already/);
    T.dispose([x, y, out, ct, gx, gy]);
  });

  it('only primitives that depend on the params are recorded; integer paths stop the gradient', async () => {
    const w = T.tensor([1, 5, 3]);
    const { value, grads } = await valueAndGrad((p: T.Tensor) => {
      const i = T.argmax(p); // integer: no gradient
      return T.sum(T.mul(T.gather(p, T.reshape(i, [1]), 0), 2));
    })(w);
    expect(await vals(grads)).toEqual([0, 2, 0]);
    T.dispose([w, value, grads]);
  });

  it('an f16 parameter gets an f16 gradient (through a half-precision matmul weight)', async () => {
    const w = T.cast(T.tensor([[1, 2], [3, 4]]), 'f16');
    const x = T.tensor([[1, 1]]);
    const { value, grads } = await valueAndGrad((p: T.Tensor) => T.sum(T.matmul(x, p)))(w);
    expect(grads.dtype).toBe('f16');
    expect(await vals(grads)).toEqual([1, 1, 1, 1]);
    T.dispose([w, x, value, grads]);
  });

  it('rejects a loss that is not a one-element float tensor', async () => {
    const w = T.tensor([1, 2]);
    const before = T.memory();
    await expect(valueAndGrad((p: T.Tensor) => T.mul(p, 2))(w)).rejects.toThrow(/one element/);
    await expect(valueAndGrad((p: T.Tensor) => T.sum(T.mul(p, 2)), { hasAux: true } as never)(w)).rejects.toThrow(/\[loss, aux\]/);
    await expect(
      valueAndGrad((p: T.Tensor) => {
        T.exp(p);
        throw new Error('inside f');
      })(w),
    ).rejects.toThrow('inside f');
    expect(T.memory()).toEqual(before);
    w.dispose();
  });

  it('a training step in a loop leaves memory() unchanged after 200 iterations', async () => {
    const key = T.key(0);
    let params = {
      w1: T.normal(key, [4, 8], { std: 0.3 }),
      b1: T.zeros([8]),
      w2: T.normal(T.split(key)[1]!, [8, 1], { std: 0.3 }),
      layer_norm: { weight: T.ones([8]) },
    };
    const x = T.uniform(T.foldIn(key, 1), [16, 4]);
    const y = T.uniform(T.foldIn(key, 2), [16, 1]);
    const opt = chain(clipByGlobalNorm(1), adamw(1e-2, { mask: weightDecayMask(params) }));
    let state = opt.init(params);
    const loss = (p: typeof params) => {
      const h = T.rmsNorm(T.relu(T.add(T.matmul(x, p.w1), p.b1)), p.layer_norm.weight);
      return T.mean(T.square(T.sub(T.matmul(h, p.w2), y)));
    };
    const vg = valueAndGrad(loss);
    const stepOnce = async () => {
      const { value, grads } = await vg(params);
      ({ params, state } = optimizerStep(opt, params, grads, state));
      const v = await value.item();
      value.dispose();
      return v;
    };
    const first = await stepOnce();
    const before = T.memory();
    let last = first;
    for (let i = 0; i < 200; i++) last = await stepOnce();
    expect(T.memory()).toEqual(before);
    expect(last).toBeLessThan(first);
    T.dispose([params, state, x, y]);
  });
});
