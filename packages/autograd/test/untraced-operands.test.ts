/**
 * Operands that carry no gradient back (a constant, a loss weight, a mask value) get none computed: the binary and
 * where rules see which inputs are traced (VjpContext.traced), and the gradients of the traced ones are unchanged.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import { grad } from '../src/index.js';

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => 1.5 + Math.sin(seed * 12.9898 + i * 78.233));

/** Primitive calls by name (binary and unary ones by op) while `fn` runs. */
async function counting<R>(fn: () => Promise<R>): Promise<{ result: R; calls: Map<string, number> }> {
  const calls = new Map<string, number>();
  const off = T.onPrimitive((e) => {
    const op = (e.params as { op?: string }).op;
    const name = op && (e.prim === 'binary' || e.prim === 'unary') ? op : e.prim;
    calls.set(name, (calls.get(name) ?? 0) + 1);
  });
  try {
    return { result: await fn(), calls };
  } finally {
    off();
  }
}

async function expectClose(a: T.Tensor, expected: readonly number[], tol = 1e-6): Promise<void> {
  const d = await a.data();
  expect(d.length).toBe(expected.length);
  expected.forEach((e, i) => expect(Math.abs(d[i]! - e)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e))));
}

describe('untraced operands', () => {
  const xs = values(6, 1);
  const cs = values(6, 2);
  const x = T.tensor(xs, [2, 3]);
  const c = T.tensor(cs, [2, 3]);

  it('div by a constant: d/dx = 1/c, one div in the backward and no neg', async () => {
    const { result, calls } = await counting(() => grad((p: T.Tensor) => T.sum(T.div(p, c)))(x));
    await expectClose(result, cs.map((v) => 1 / v));
    expect(calls.get('div')).toBe(2); // forward and backward (3 when c's gradient was formed too)
    expect(calls.get('neg')).toBeUndefined();
    expect(calls.get('mul')).toBeUndefined();
  });

  it('a constant divided by x still gets d/dx = −c/x², and both traced operands get their gradients', async () => {
    await expectClose(await grad((p: T.Tensor) => T.sum(T.div(c, p)))(x), xs.map((v, i) => -cs[i]! / (v * v)), 1e-5);
    const both = await grad((p: { a: T.Tensor; b: T.Tensor }) => T.sum(T.div(p.a, p.b)))({ a: x, b: c });
    await expectClose(both.a, cs.map((v) => 1 / v));
    await expectClose(both.b, xs.map((v, i) => -v / (cs[i]! * cs[i]!)), 1e-5);
  });

  it('mul, sub, maximum and pow with one constant operand: one side computed, the right values', async () => {
    const { result, calls } = await counting(() => grad((p: T.Tensor) => T.sum(T.mul(c, p)))(x));
    await expectClose(result, cs);
    expect(calls.get('mul')).toBe(2); // forward and x's gradient
    const sub = await counting(() => grad((p: T.Tensor) => T.sum(T.sub(p, c)))(x));
    await expectClose(sub.result, xs.map(() => 1));
    expect(sub.calls.get('neg')).toBeUndefined();
    await expectClose(await grad((p: T.Tensor) => T.sum(T.sub(c, p)))(x), xs.map(() => -1));
    await expectClose(await grad((p: T.Tensor) => T.sum(T.maximum(p, c)))(x), xs.map((v, i) => (v > cs[i]! ? 1 : v === cs[i]! ? 0.5 : 0)));
    await expectClose(await grad((p: T.Tensor) => T.sum(T.pow(p, c)))(x), xs.map((v, i) => cs[i]! * v ** (cs[i]! - 1)), 1e-5);
    await expectClose(await grad((p: T.Tensor) => T.sum(T.pow(c, p)))(x), xs.map((v, i) => Math.log(cs[i]!) * cs[i]! ** v), 1e-5);
  });

  it('where with a constant branch: one where in the backward, the gradient only where the condition picks x', async () => {
    const m = T.tensor([1, 0, 1, 1, 0, 0], [2, 3], 'bool');
    const { result, calls } = await counting(() => grad((p: T.Tensor) => T.sum(T.where(m, p, c)))(x));
    await expectClose(result, [1, 0, 1, 1, 0, 0]);
    expect(calls.get('where')).toBe(2); // forward and x's gradient (3 when the constant's was formed too)
    await expectClose(await grad((p: T.Tensor) => T.sum(T.where(m, c, p)))(x), [0, 1, 0, 0, 1, 1]);
  });

  it('conv2d with a constant image: no input gradient formed, the weight and bias gradients unchanged', async () => {
    const image = T.tensor(values(2 * 2 * 5 * 5, 3), [2, 2, 5, 5]);
    const params = { w: T.tensor(values(3 * 2 * 3 * 3, 4), [3, 2, 3, 3]), b: T.tensor(values(3, 5), [3]) };
    const loss = (p: typeof params, x: T.Tensor) => T.sum(T.square(T.conv2d(x, p.w, p.b, { padding: 1, stride: 2 })));
    const { result, calls } = await counting(() => grad(loss)(params, image));
    expect(calls.get('conv2dBackwardInput')).toBeUndefined();
    expect(calls.get('conv2dBackwardWeight')).toBe(1);
    const both = await grad((p: { params: typeof params; x: T.Tensor }) => loss(p.params, p.x))({ params, x: image });
    await expectClose(result.w, Array.from(await both.params.w.data()));
    await expectClose(result.b, Array.from(await both.params.b.data()));
    expect(both.x.shape).toEqual([2, 2, 5, 5]);
  });
});
