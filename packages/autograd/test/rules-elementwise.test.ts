import { describe, it } from 'vitest';
import * as T from '@mmada/tensor';
import { checkGradient } from '../../../tests/support/gradcheck.js';

const UNARY: [string, (x: T.Tensor) => T.Tensor, { lo?: number; hi?: number; gap?: number }][] = [
  ['neg', T.neg, {}],
  ['abs', T.abs, { gap: 0.05 }],
  ['exp', T.exp, {}],
  ['log', T.log, { lo: 0.2, hi: 2 }],
  ['sqrt', T.sqrt, { lo: 0.2, hi: 2 }],
  ['rsqrt', T.rsqrt, { lo: 0.3, hi: 2 }],
  ['sin', T.sin, {}],
  ['cos', T.cos, {}],
  ['tanh', T.tanh, {}],
  ['sigmoid', T.sigmoid, {}],
  ['relu', T.relu, { gap: 0.05 }],
  ['square', T.square, {}],
  ['reciprocal', T.reciprocal, { gap: 0.3 }],
  ['erf', T.erf, {}],
  ['silu', T.silu, {}],
  ['gelu', (x) => T.gelu(x), {}],
  ['gelu tanh', (x) => T.gelu(x, 'tanh'), {}],
];

describe('elementwise rules against central differences (cpu, f64 host accumulation)', () => {
  for (const [name, f, range] of UNARY) {
    it(`unary ${name}`, async () => {
      await checkGradient(f, [{ shape: [2, 3], ...range }], { label: name });
    });
  }

  it('sign/floor/round have zero gradient', async () => {
    await checkGradient((x) => T.add(T.floor(x), T.add(T.round(x), T.sign(x))), [{ shape: [5], data: [0.3, -0.7, 1.2, 2.4, -1.3] }], { label: 'piecewise' });
  });

  const BINARY: [string, (a: T.Tensor, b: T.Tensor) => T.Tensor, { lo?: number; hi?: number; gap?: number }][] = [
    ['add', T.add, {}],
    ['sub', T.sub, {}],
    ['mul', T.mul, {}],
    ['div', T.div, { gap: 0.3 }],
    ['pow', T.pow, { lo: 0.3, hi: 2 }],
    ['maximum', T.maximum, {}],
    ['minimum', T.minimum, {}],
  ];
  for (const [name, f, range] of BINARY) {
    it(`binary ${name} with broadcasting`, async () => {
      await checkGradient(f, [{ shape: [2, 1, 3], ...range }, { shape: [4, 1], ...range }], { label: name, seed: 7 });
    });
  }

  it('pow with a negative base and an integer exponent', async () => {
    await checkGradient((a, b) => T.pow(a, b), [{ shape: [3], data: [-1.5, 0.7, 1.3] }, { shape: [3], data: [2, 1.5, -0.5], constant: true }], { label: 'pow' });
  });

  it('maximum ties split the gradient', async () => {
    const { valueAndGrad } = await import('../src/index.js');
    const a = T.tensor([1, 2], [2]);
    const b = T.tensor([1, 3], [2]);
    const { grads, value } = await valueAndGrad(([x, y]: T.Tensor[]) => T.sum(T.maximum(x!, y!)))([a, b]);
    const [ga, gb] = [await grads[0]!.data(), await grads[1]!.data()];
    if (ga[0] !== 0.5 || gb[0] !== 0.5 || ga[1] !== 0 || gb[1] !== 1) throw new Error(`ties: ${ga} ${gb}`);
    T.dispose([a, b, value, grads]);
  });

  it('where (the condition gets none) and clamp', async () => {
    await checkGradient(
      (c, a, b) => T.where(T.gt(c, 0), a, b),
      [{ shape: [2, 3], constant: true, gap: 0.1 }, { shape: [1, 3] }, { shape: [2, 1] }],
      { label: 'where' },
    );
    await checkGradient((x) => T.clamp(x, -0.5, 0.5), [{ shape: [6], data: [-1, -0.3, 0.1, 0.4, 0.8, 1.2] }], { label: 'clamp' });
  });

  it('cast f32 -> f16 -> f32 passes the gradient', async () => {
    await checkGradient((x) => T.cast(T.mul(T.cast(x, 'f16'), 1), 'f32'), [{ shape: [4], data: [0.5, 1.25, -2, 3] }], {
      label: 'cast',
      eps: 0.125,
    });
  });
});
