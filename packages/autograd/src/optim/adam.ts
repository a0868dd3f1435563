import { adamUpdate, add, cast, div, flatLayout, flatViews, mul, packFlat, sqrt, square, sub, sumOfSquares, zerosLike, type Tensor } from '@mmada/tensor';
import { isTensor, mapTensors, tensorLeaves } from '../pytree.js';
import { globalNormScale } from './clip-by-global-norm.js';
import { valueAt, type ScalarOrSchedule } from './schedule.js';
import { scoped, type GlobalNormClip, type GradientTransformation } from './transformation.js';
import { resolveMask, type WeightDecayMask } from './weight-decay-mask.js';

export interface AdamOptions {
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
}

export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay λ (PyTorch AdamW's default 0.01; upstream MMaDA uses 0.01). May be a schedule. */
  readonly weightDecay?: ScalarOrSchedule;
  /**
   * Which parameters decay: a boolean tree like the params or a function of the key path (see
   * `weightDecayMask` / `decayUnlessNameContains`). Default: all.
   */
  readonly mask?: WeightDecayMask;
}

/** Step count and the first/second moment trees (f32, like the params). */
export interface AdamState {
  readonly count: number;
  readonly mu: unknown;
  readonly nu: unknown;
}

/**
 * PyTorch's Adam/AdamW step, in the same arithmetic order (t = count + 1, lr = lr(count)):
 *   m ← β1·m + (1−β1)·g;   v ← β2·v + (1−β2)·g²
 *   update = −(lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε)  −  lr·λ·p   (the decay term only where masked in)
 * An f32 leaf is one `adamUpdate` kernel (moments and update in one pass; with `step`, the new parameter too);
 * other dtypes go through the same formula as elementwise ops.
 */
function adamCore(learningRate: ScalarOrSchedule, options: AdamWOptions, decoupled: boolean): GradientTransformation<AdamState> {
  const b1 = options.b1 ?? 0.9;
  const b2 = options.b2 ?? 0.999;
  const eps = options.eps ?? 1e-8;
  const hyper = (state: AdamState, params: unknown) => {
    const t = state.count + 1;
    const lr = valueAt(learningRate, state.count);
    const wd = decoupled ? valueAt(options.weightDecay ?? 0.01, state.count) : 0;
    if (wd !== 0 && params === undefined) throw new Error('adamw: update needs params for weight decay');
    return { t, lr, wd, stepSize: lr / (1 - b1 ** t), sqrtBc2: Math.sqrt(1 - b2 ** t), decays: resolveMask(params, options.mask) };
  };
  /** One leaf: new moments and the update (or, with `apply`, the new parameter) — fused for f32. */
  const leaf = (h: ReturnType<typeof hyper>, g: Tensor, path: string, m: Tensor, v: Tensor, p: Tensor | undefined, scale: Tensor | undefined, apply: boolean) => {
    const decay = h.wd !== 0 && p && h.decays(path) ? h.lr * h.wd : 0;
    if (g.dtype === 'f32' && m.dtype === 'f32' && v.dtype === 'f32' && (!p || p.dtype === 'f32')) {
      const r = adamUpdate(g, m, v, { b1, b2, eps, stepSize: h.stepSize, sqrtBc2: h.sqrtBc2, decay, param: p, scale, apply });
      return { m: r.m, v: r.v, u: r.update };
    }
    return scoped(() => {
      const gs = scale ? mul(g, scale) : g;
      const mu = add(mul(m, b1), mul(gs, 1 - b1));
      const nu = add(mul(v, b2), mul(square(gs), 1 - b2));
      const adamStep = mul(div(mu, add(div(sqrt(nu), h.sqrtBc2), eps)), -h.stepSize);
      let u = decay !== 0 ? sub(adamStep, mul(p!, decay)) : adamStep;
      if (apply) {
        const s = add(p!, u);
        u = s.dtype === p!.dtype ? s : cast(s, p!.dtype);
      }
      return { m: mu, v: nu, u };
    });
  };
  /** Runs `leaf` over the tree and splits the results into three trees. */
  const run = <P>(updates: P, state: AdamState, params: P | undefined, scale: Tensor | undefined, apply: boolean) => {
    const h = hyper(state, params);
    const results = new Map<Tensor, { m: Tensor; v: Tensor; u: Tensor }>();
    mapTensors(
      updates,
      (g: Tensor, path: string, m: Tensor, v: Tensor, p: Tensor | undefined) => {
        const r = leaf(h, g, path, m, v, p, scale, apply);
        results.set(g, r);
        return r.u;
      },
      state.mu,
      state.nu,
      params ?? updates,
    );
    const pick = (k: 'm' | 'v' | 'u') => mapTensors(updates, (g: Tensor) => results.get(g)![k]);
    return { u: pick('u'), state: { count: h.t, mu: pick('m'), nu: pick('v') } };
  };
  /**
   * `step` over every leaf at once, when all are f32: gradients, parameters and moments packed into one flat buffer
   * each (decayed leaves first, so one bound says which elements decay) and one `adamUpdate` over all of them; the
   * new parameters and moments are views into its outputs. A later step finds them already packed (no copy), so a
   * step costs the gradients' packing and one kernel instead of one kernel per leaf. Same arithmetic per element.
   */
  const flatStep = <P>(grads: P, state: AdamState, params: P, scale: Tensor | GlobalNormClip | undefined): { params: P; state: AdamState } | undefined => {
    const h = hyper(state, params);
    const leaves: { path: string; g: Tensor; m: Tensor; v: Tensor; p: Tensor }[] = [];
    mapTensors(grads, (g: Tensor, path: string, m: Tensor, v: Tensor, p: Tensor) => (leaves.push({ path, g, m, v, p }), g), state.mu, state.nu, params);
    if (leaves.length < 2 || leaves.some((l) => [l.g, l.m, l.v, l.p].some((t) => t.dtype !== 'f32'))) return undefined;
    const decays = (l: (typeof leaves)[number]) => h.wd !== 0 && h.decays(l.path);
    const order = [...leaves.filter(decays), ...leaves.filter((l) => !decays(l))];
    const nDecayed = leaves.filter(decays).length;
    const layout = flatLayout(order.map((l) => l.g.size));
    const out = scoped(() => {
      const [g, m, v, p] = (['g', 'm', 'v', 'p'] as const).map((k) => packFlat(order.map((l) => l[k]), layout)) as [Tensor, Tensor, Tensor, Tensor];
      // a clip's norm comes from the packed gradients (zeros between them): one sumOfSquares over one buffer
      const clip = scale && !isTensor(scale) ? { normSq: sumOfSquares([g]), maxNorm: scale.maxNorm } : undefined;
      const r = adamUpdate(g, m, v, {
        b1, b2, eps, stepSize: h.stepSize, sqrtBc2: h.sqrtBc2, decay: nDecayed > 0 ? h.lr * h.wd : 0,
        decayEnd: nDecayed < order.length ? layout.offsets[nDecayed]! : layout.total, param: p, apply: true,
        ...(clip ? { clip } : { scale: scale as Tensor | undefined }),
      });
      const shapes = order.map((l) => l.g.shape);
      return { p: flatViews(r.update, layout, shapes), m: flatViews(r.m, layout, shapes), v: flatViews(r.v, layout, shapes) };
    });
    const index = new Map(order.map((l, i) => [l.g, i]));
    const pick = (k: 'p' | 'm' | 'v') => mapTensors(grads, (g: Tensor) => out[k][index.get(g)!]!);
    return { params: pick('p'), state: { count: h.t, mu: pick('m'), nu: pick('v') } };
  };
  return {
    init: (params) => ({ count: 0, mu: mapTensors(params, (p) => zerosLike(p, 'f32')), nu: mapTensors(params, (p) => zerosLike(p, 'f32')) }),
    update(updates, state, params) {
      const r = run(updates, state, params, undefined, false);
      return { updates: r.u, state: r.state };
    },
    step(grads, state, params, gradScale) {
      const flat = flatStep(grads, state, params, gradScale);
      if (flat) return flat;
      if (gradScale && !isTensor(gradScale)) {
        const s = globalNormScale(tensorLeaves(grads), gradScale.maxNorm);
        const r = run(grads, state, params, s, true);
        s.dispose();
        return { params: r.u, state: r.state };
      }
      const r = run(grads, state, params, gradScale, true);
      return { params: r.u, state: r.state };
    },
  };
}

/** Adam (Kingma & Ba), PyTorch's formula; hyperparameters may be schedules. */
export function adam(learningRate: ScalarOrSchedule, options: AdamOptions = {}): GradientTransformation<AdamState> {
  return adamCore(learningRate, options, false);
}

/**
 * AdamW (Loshchilov & Hutter) exactly as torch.optim.AdamW: the decay p ← p − lr·λ·p uses the scheduled
 * learning rate and the parameters before the step. Upstream MMaDA: β 0.9/0.999, ε 1e-8, λ 0.01 with
 * `mask: weightDecayMask(params)` (no decay for biases, norm weights and embeddings).
 */
export function adamw(learningRate: ScalarOrSchedule, options: AdamWOptions = {}): GradientTransformation<AdamState> {
  return adamCore(learningRate, options, true);
}
