import { expect } from 'vitest';
import * as T from '@mmada/tensor';
import type { DeviceName, DType, Tensor } from '@mmada/tensor';
import { valueAndGrad } from '@mmada/autograd';
import { rng } from './rng.js';

/** One input of a differentiated function: its shape and how its values are drawn. */
export interface InputSpec {
  readonly shape: readonly number[];
  readonly dtype?: DType;
  /** Explicit values (otherwise uniform in [lo, hi), away from 0 by `gap` when set). */
  readonly data?: readonly number[];
  readonly lo?: number;
  readonly hi?: number;
  /** Keep |x| ≥ gap (for kinks at 0, logs, divisions). */
  readonly gap?: number;
  /** Not differentiated (indices, masks, constants). */
  readonly constant?: boolean;
}

export function makeData(r: () => number, spec: InputSpec): number[] {
  if (spec.data) return [...spec.data];
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const lo = spec.lo ?? -1.5;
  const hi = spec.hi ?? 1.5;
  return Array.from({ length: n }, () => {
    for (;;) {
      const v = lo + (hi - lo) * r();
      if (!spec.gap || Math.abs(v) >= spec.gap) return v;
    }
  });
}

/**
 * Checks the gradient of L(x) = Σ f(x)·w (w random, fixed) against central differences.
 * f runs in f32 on the cpu device; L is accumulated on the host in float64 from f's f32 output, so the
 * only rounding in the difference quotient is f's own (≈1e-7 relative). With eps = 1e-3 the truncation
 * error is O(eps²) ≈ 1e-6, and rounding contributes ≈ 1e-7·|y|·√n / (2·eps) ≈ 1e-4, so a tolerance of
 * |analytic − numeric| ≤ atol + rtol·|numeric| with atol 2e-3, rtol 1e-2 separates right from wrong.
 */
export async function checkGradient(
  f: (...xs: Tensor[]) => Tensor,
  specs: readonly InputSpec[],
  opts: { seed?: number; eps?: number; atol?: number; rtol?: number; label?: string } = {},
): Promise<void> {
  const r = rng(opts.seed ?? 1);
  const eps = opts.eps ?? 1e-3;
  const atol = opts.atol ?? 2e-3;
  const rtol = opts.rtol ?? 1e-2;
  const datas = specs.map((s) => makeData(r, s));
  const make = (i: number, values: readonly number[]) => T.tensor([...values], [...specs[i]!.shape], specs[i]!.dtype ?? 'f32', { device: 'cpu' });

  // output weights
  const probe = await T.scope(async () => {
    const xs = datas.map((d, i) => make(i, d));
    const y = f(...xs);
    return { shape: [...y.shape] };
  });
  const wData = makeData(r, { shape: probe.shape, lo: -1, hi: 1 });

  const lossHost = async (values: number[][]): Promise<number> =>
    T.scope(async () => {
      const xs = values.map((d, i) => make(i, d));
      const y = await f(...xs).data();
      let s = 0;
      for (let k = 0; k < y.length; k++) s += y[k]! * wData[k]!;
      return s;
    });

  const analytic = await T.scope(async () => {
    const xs = datas.map((d, i) => make(i, d));
    const w = T.tensor(wData, probe.shape, 'f32', { device: 'cpu' });
    const diffIdx = specs.flatMap((s, i) => (s.constant || (s.dtype && s.dtype !== 'f32') ? [] : [i]));
    const vg = valueAndGrad((ps: Tensor[]) => {
      const all = xs.map((x, i) => (diffIdx.includes(i) ? ps[diffIdx.indexOf(i)]! : x));
      return T.sum(T.mul(f(...all), w));
    });
    const { grads } = await vg(diffIdx.map((i) => xs[i]!));
    const out: (number[] | null)[] = specs.map(() => null);
    for (let j = 0; j < diffIdx.length; j++) {
      expect(grads[j]!.shape, `${opts.label} grad shape of input ${diffIdx[j]}`).toEqual(specs[diffIdx[j]!]!.shape);
      out[diffIdx[j]!] = Array.from(await grads[j]!.data());
    }
    return out;
  });

  for (let i = 0; i < specs.length; i++) {
    const a = analytic[i];
    if (!a) continue;
    for (let k = 0; k < datas[i]!.length; k++) {
      const plus = datas.map((d) => [...d]);
      const minus = datas.map((d) => [...d]);
      plus[i]![k]! += eps;
      minus[i]![k]! -= eps;
      const numeric = ((await lossHost(plus)) - (await lossHost(minus))) / (2 * eps);
      const err = Math.abs(a[k]! - numeric);
      if (!(err <= atol + rtol * Math.abs(numeric))) {
        expect.fail(`${opts.label ?? 'gradient'}: input ${i} element ${k}: analytic ${a[k]} vs numeric ${numeric}`);
      }
    }
  }
}

/**
 * The gradients of L(x) = Σ f(x)·w (w drawn from seed 5) with respect to every non-constant f32 input, on `device`,
 * as plain arrays: the same data (from `seed`) on every device, so two devices' answers can be compared with
 * expectClose.
 */
export async function gradsOn(
  device: DeviceName,
  f: (...xs: Tensor[]) => Tensor,
  specs: readonly InputSpec[],
  seed = 11,
): Promise<number[][]> {
  const r = rng(seed);
  const datas = specs.map((s) => makeData(r, s));
  const diff = specs.flatMap((s, i) => (s.constant ? [] : [i]));
  return T.scope(async () => {
    const xs = datas.map((d, i) => T.tensor(d, [...specs[i]!.shape], specs[i]!.dtype ?? 'f32', { device }));
    const probe = f(...xs);
    const w = T.tensor(makeData(rng(5), { shape: probe.shape }), [...probe.shape], 'f32', { device });
    const { grads } = await valueAndGrad((ps: Tensor[]) => T.sum(T.mul(f(...xs.map((x, i) => (diff.includes(i) ? ps[diff.indexOf(i)]! : x))), w)))(
      diff.map((i) => xs[i]!),
    );
    return Promise.all(grads.map(async (g) => Array.from(await g.data())));
  });
}
