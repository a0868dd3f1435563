/** Hand-worked values for the cpu reference device: the oracle the WebGPU kernels are checked against. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/index.js';

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

describe('creation', () => {
  it('infers shape and dtype', async () => {
    const x = T.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(x.shape).toEqual([2, 3]);
    expect(x.dtype).toBe('f32');
    expect(x.device).toBe('cpu');
    expect(await x.array()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(T.tensor([true, false]).dtype).toBe('bool');
    expect(T.tensor(new Int32Array([1, 2])).dtype).toBe('i32');
    expect(await T.scalar(3).item()).toBe(3);
  });
  it('creates filled tensors and ranges', async () => {
    expect(await T.zeros([2, 2]).array()).toEqual([[0, 0], [0, 0]]);
    expect(await T.ones([3], 'i32').array()).toEqual([1, 1, 1]);
    expect(await T.full([2], 7.5).array()).toEqual([7.5, 7.5]);
    expect(await T.arange(5).array()).toEqual([0, 1, 2, 3, 4]);
    expect(await T.arange(1, 2, 0.25, 'f32').array()).toEqual([1, 1.25, 1.5, 1.75]);
    const x = T.tensor([1, 2], undefined, 'i32');
    expect(T.zerosLike(x).dtype).toBe('i32');
    expect(await T.onesLike(x).array()).toEqual([1, 1]);
  });
  it('rejects data that does not fill the shape', () => {
    expect(() => T.tensor([1, 2, 3], [2, 2])).toThrow(T.TensorError);
  });
  it('stores f16 with half precision', async () => {
    const h = T.tensor([1.0009765625, 65504, 1e-8, -2.5], [4], 'f16');
    expect(Array.from(await h.data())).toEqual([1.0009765625, 65504, 0, -2.5]);
  });
});

describe('elementwise', () => {
  it('broadcasts like numpy', async () => {
    const a = T.tensor([[1], [2]]);
    const b = T.tensor([10, 20, 30]);
    expect(await T.add(a, b).array()).toEqual([[11, 21, 31], [12, 22, 32]]);
    expect(await T.sub(b, 1).array()).toEqual([9, 19, 29]);
    expect(await T.mul(2, a).array()).toEqual([[2], [4]]);
  });
  it('promotes dtypes', async () => {
    const i = T.tensor([1, 2], undefined, 'i32');
    expect(T.add(i, 1).dtype).toBe('i32');
    expect(T.add(i, 0.5).dtype).toBe('f32');
    expect(await T.div(i, 2).array()).toEqual([0.5, 1]);
    expect(T.eq(i, 1).dtype).toBe('bool');
    expect(await T.eq(i, 1).array()).toEqual([1, 0]);
  });
  it('computes unary functions', async () => {
    const x = T.tensor([-1.5, -0.5, 0.5, 2.5]);
    expect(await T.round(x).array()).toEqual([-2, -0, 0, 2]);
    expect(await T.floor(x).array()).toEqual([-2, -1, 0, 2]);
    expect(await T.sign(x).array()).toEqual([-1, -1, 1, 1]);
    expect(await T.relu(x).array()).toEqual([0, 0, 0.5, 2.5]);
    const e = (await T.erf(T.tensor([0, 0.5, -1, 2])).data()) as Float32Array;
    [0, 0.5204998778, -0.8427007929, 0.995322265].forEach((v, k) => expect(e[k]).toBeCloseTo(v, 6));
    const g = await T.gelu(T.tensor([1])).item();
    expect(g).toBeCloseTo(0.8413447, 6);
    expect(await T.gelu(T.tensor([1]), 'tanh').item()).toBeCloseTo(0.8411920, 6);
    expect(await T.sigmoid(T.tensor([-100])).item()).toBeCloseTo(0, 12);
  });
  it('where and clamp', async () => {
    const c = T.tensor([true, false, true]);
    expect(await T.where(c, T.tensor([1, 2, 3]), 0).array()).toEqual([1, 0, 3]);
    expect(await T.clamp(T.tensor([-2, 0, 2]), -1, 1).array()).toEqual([-1, 0, 1]);
  });
  it('casts with truncation and saturation', async () => {
    expect(await T.cast(T.tensor([-1.7, 1.7, 3e10]), 'i32').array()).toEqual([-1, 1, 2147483647]);
    expect(await T.cast(T.tensor([0, 2, -1]), 'bool').array()).toEqual([0, 1, 1]);
  });
  it('names the op and shapes on a broadcast error', () => {
    expect(() => T.add(T.zeros([2, 3]), T.zeros([4]))).toThrow(/add: shapes \[2, 3\] and \[4\] do not broadcast/);
  });
});

describe('reductions', () => {
  const x = () => T.tensor([[1, 5, 3], [4, 2, 6]]);
  it('reduces over axes with keepDims', async () => {
    expect(await T.sum(x()).item()).toBe(21);
    expect(await T.sum(x(), 0).array()).toEqual([5, 7, 9]);
    expect(await T.max(x(), 1, { keepDims: true }).array()).toEqual([[5], [6]]);
    expect(await T.min(x(), [0, 1]).item()).toBe(1);
    expect(await T.mean(x(), 1).array()).toEqual([3, 4]);
    expect(await T.prod(x(), 0).array()).toEqual([4, 10, 18]);
    expect(await T.argmax(x(), 1).array()).toEqual([1, 2]);
    expect(await T.argmin(x(), 0).array()).toEqual([0, 1, 0]);
  });
  it('logSumExp is stable and handles all -Infinity rows', async () => {
    const l = await T.logSumExp(T.tensor([[1000, 1000], [-Infinity, -Infinity]]), 1).data();
    expect(l[0]).toBeCloseTo(1000 + Math.log(2), 3);
    expect(l[1]).toBe(-Infinity);
  });
  it('any / all', async () => {
    const b = T.tensor([[true, false], [false, false]]);
    expect(await T.any(b, 1).array()).toEqual([1, 0]);
    expect(await T.all(T.logicalNot(b), 0).array()).toEqual([0, 1]);
  });
});

describe('shape ops', () => {
  it('transpose, slice, concat, stack, split, pad, tile', async () => {
    const x = T.reshape(T.arange(6), [2, 3]);
    expect(await T.transpose(x).array()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(await T.slice(x, [0, 1], [2, 2]).array()).toEqual([[1, 2], [4, 5]]);
    expect(await T.sliceAxis(x, 1, -1).array()).toEqual([[2], [5]]);
    expect(await T.concat([x, x], 0).array()).toEqual([[0, 1, 2], [3, 4, 5], [0, 1, 2], [3, 4, 5]]);
    expect((await T.stack([x, x], 1)).shape).toEqual([2, 2, 3]);
    expect(await Promise.all(T.split(x, [1, 2], 1).map((t) => t.array()))).toEqual([[[0], [3]], [[1, 2], [4, 5]]]);
    expect(await T.pad(T.tensor([1, 2]), [[1, 2]], 9).array()).toEqual([9, 1, 2, 9, 9]);
    expect(await T.tile(T.tensor([1, 2]), [2]).array()).toEqual([1, 2, 1, 2]);
    expect(await T.broadcastTo(T.tensor([1, 2]), [2, 2]).array()).toEqual([[1, 2], [1, 2]]);
    expect(T.squeeze(T.zeros([1, 3, 1])).shape).toEqual([3]);
    expect(T.expandDims(T.zeros([3]), 0).shape).toEqual([1, 3]);
    expect(T.reshape(T.zeros([2, 6]), [3, -1]).shape).toEqual([3, 4]);
  });
  it('errors name the op and shapes', () => {
    expect(() => T.reshape(T.zeros([2, 3]), [4])).toThrow(/reshape: cannot reshape \[2, 3\]/);
    expect(() => T.concat([T.zeros([2, 3]), T.zeros([2, 4])], 0)).toThrow(/concat/);
    expect(() => T.matmul(T.zeros([2, 3]), T.zeros([4, 5]))).toThrow(/matmul: inner dims differ: \[2, 3\] x \[4, 5\]/);
  });
});

describe('indexing', () => {
  it('gather, takeAlongAxis, putAlongAxis, oneHot', async () => {
    const x = T.tensor([[10, 11, 12], [20, 21, 22]]);
    expect(await T.gather(x, T.tensor([2, 0], undefined, 'i32'), 1).array()).toEqual([[12, 10], [22, 20]]);
    expect(await T.takeAlongAxis(x, T.tensor([[1], [2]], undefined, 'i32'), 1).array()).toEqual([[11], [22]]);
    expect(await T.putAlongAxis(x, T.tensor([[0], [1]], undefined, 'i32'), T.tensor([[0], [0]]), 1).array()).toEqual([[0, 11, 12], [20, 0, 22]]);
    expect(await T.scatterAdd(T.zeros([3]), T.tensor([0, 0, 2], undefined, 'i32'), T.tensor([1, 2, 3]), 0).array()).toEqual([3, 0, 3]);
    expect(await T.oneHot(T.tensor([1, 0], undefined, 'i32'), 3).array()).toEqual([[0, 1, 0], [1, 0, 0]]);
  });
});

describe('matmul and sorting', () => {
  it('matmul batches and vectors', async () => {
    const a = T.tensor([[1, 2], [3, 4]]);
    expect(await T.matmul(a, a).array()).toEqual([[7, 10], [15, 22]]);
    expect(await T.matmul(a, T.tensor([1, 1])).array()).toEqual([3, 7]);
    expect(await T.matmul(a, a, { transA: true }).array()).toEqual([[10, 14], [14, 20]]);
    expect(T.matmul(T.zeros([3, 1, 2, 4]), T.zeros([5, 4, 6])).shape).toEqual([3, 5, 2, 6]);
  });
  it('topk takes the lower index on ties; sort is stable', async () => {
    const { values, indices } = T.topk(T.tensor([1, 3, 3, 2]), 2);
    expect(await values.array()).toEqual([3, 3]);
    expect(await indices.array()).toEqual([1, 2]);
    expect(await T.argsort(T.tensor([2, 1, 2, 1])).array()).toEqual([1, 3, 0, 2]);
    expect(await T.sort(T.tensor([2, 1, 3]), { descending: true }).array()).toEqual([3, 2, 1]);
  });
});

describe('devices', () => {
  it('where with two numbers puts them on the condition’s device', async () => {
    const c = T.tensor([true, false]);
    const y = T.where(c, 1, 0);
    expect(y.device).toBe('cpu');
    expect(y.dtype).toBe('f32');
    expect(await y.array()).toEqual([1, 0]);
  });
  it('mixing devices is a TensorError that says how to fix it', async (ctx) => {
    const { webgpuAvailable } = await import('../../../tests/support/devices.js');
    if (!(await webgpuAvailable())) ctx.skip('no webgpu adapter');
    const a = T.zeros([2], 'f32', { device: 'cpu' });
    const b = T.zeros([2], 'f32', { device: 'webgpu' });
    expect(() => T.add(a, b)).toThrow(/different devices.*toDevice/);
    const moved = await T.toDevice(b, 'cpu');
    expect(moved.device).toBe('cpu');
  });
});
