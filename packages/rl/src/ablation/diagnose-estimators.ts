/**
 * Estimator diagnostics: for one fixed (prompt, completion), each estimator's sequence log-likelihood
 * estimate over many mask draws — its mean, spread and bias against a high-budget Monte-Carlo ELBO — and what
 * one draw costs. The estimates are put on one scale, an estimate of log p(completion | prompt):
 *   unigrpo, random-masking: n · (mean ℓ over the masked tokens)  (the 1/t-weighted ELBO term with t = m/n);
 *   d1, coupled: Σ of the token terms over the completion;  llada-mc: its ELBO.
 */
import { foldIn, key, scope, tensor, type DeviceName } from '@mmada/tensor';
import type { MaskPredictor } from '@mmada/diffusion';
import { createEstimator } from '../estimators/create-estimator.js';
import type { LikelihoodEstimator } from '../estimators/likelihood-estimator.js';
import type { RolloutBatch } from '../estimators/rollout-batch.js';
import type { RlConfig } from '../trainer/rl-config.js';
import { estimatorFor } from '../trainer/rl-config.js';
import { mean, sampleStd } from './stats.js';
import { parseVariant, variantConfig } from './variants.js';

export interface EstimatorDiagnostic {
  readonly variant: string;
  readonly draws: number;
  readonly mean: number;
  readonly std: number;
  /** mean − reference. */
  readonly bias: number;
  /** Sequences through the model per draw. */
  readonly passesPerDraw: number;
  readonly secondsPerDraw: number;
}

export interface DiagnoseOptions {
  readonly predictor: MaskPredictor;
  readonly prompt: readonly number[];
  readonly completion: readonly number[];
  readonly maskId: number;
  readonly device: DeviceName;
  /** Variant specs (as the ablation's). */
  readonly variants: readonly string[];
  /** The base config (UniGRPO's μ comes from numIterations). */
  readonly base: RlConfig;
  /** Mask draws per estimator (default 32). */
  readonly draws?: number;
  /** Monte-Carlo samples of the reference ELBO (default 256). */
  readonly referenceMcNum?: number;
  readonly seed?: number;
}

export interface DiagnoseResult {
  readonly reference: { readonly elbo: number; readonly mcNum: number };
  readonly completionTokens: number;
  readonly estimators: readonly EstimatorDiagnostic[];
}

async function sequenceEstimate(est: LikelihoodEstimator, predictor: MaskPredictor, batch: RolloutBatch, k: ReturnType<typeof key>, iteration: number, n: number): Promise<number> {
  return scope(async () => {
    const r = await est.estimate(predictor, batch, { iteration, key: k });
    if (est.name === 'llada-mc') return Array.from(await r.sequenceLogp!.data())[0]!;
    if (est.name === 'unigrpo' || est.name === 'random-masking') return n * mean(Array.from(await r.sequenceLogp!.data()));
    return Array.from(await r.tokenLogp.data()).reduce((a, b) => a + b, 0);
  });
}

/** Runs every variant's estimator `draws` times on the fixed pair and the high-budget reference once. */
export async function diagnoseEstimators(o: DiagnoseOptions): Promise<DiagnoseResult> {
  const n = o.completion.length;
  if (n === 0 || o.prompt.length === 0) throw new RangeError('diagnoseEstimators: the prompt and the completion need tokens');
  const draws = o.draws ?? 32;
  const refMc = o.referenceMcNum ?? 256;
  const L = o.prompt.length + n;
  const ids = tensor([[...o.prompt, ...o.completion]], [1, L], 'i32', { device: o.device });
  const completionMask = tensor([[...new Array<number>(o.prompt.length).fill(0), ...new Array<number>(n).fill(1)]], [1, L], 'i32', { device: o.device });
  const batch: RolloutBatch = { ids, completionMask, promptLength: [o.prompt.length], maskId: o.maskId };
  const base = key(o.seed ?? 0);
  try {
    const reference = createEstimator({ name: 'llada-mc', mcNum: refMc, batchSize: refMc % 16 === 0 ? 16 : refMc });
    const elbo = await sequenceEstimate(reference, o.predictor, batch, foldIn(base, 0x7265), 0, n);
    const out: EstimatorDiagnostic[] = [];
    for (const spec of o.variants) {
      const v = parseVariant(spec);
      const est = estimatorFor(variantConfig(o.base, v, o.seed ?? 0));
      const values: number[] = [];
      const t0 = performance.now();
      for (let d = 0; d < draws; d++) values.push(await sequenceEstimate(est, o.predictor, batch, foldIn(base, d), d % o.base.numIterations, n));
      const m = mean(values);
      out.push({
        variant: v.name, draws, mean: m, std: sampleStd(values), bias: m - elbo, passesPerDraw: est.forwardPasses(batch),
        secondsPerDraw: (performance.now() - t0) / 1000 / draws,
      });
    }
    return { reference: { elbo, mcNum: refMc }, completionTokens: n, estimators: out };
  } finally {
    ids.dispose();
    completionMask.dispose();
  }
}

/** The diagnostics as a markdown table. */
export function diagnosticsMarkdown(r: DiagnoseResult): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
  return [
    `Reference: Monte-Carlo ELBO with ${r.reference.mcNum} samples = ${f(r.reference.elbo)} (completion of ${r.completionTokens} tokens).`,
    '',
    '| estimator | draws | mean | std over draws | bias vs reference | passes / draw | s / draw |',
    '|---|---|---|---|---|---|---|',
    ...r.estimators.map((e) => `| ${e.variant} | ${e.draws} | ${f(e.mean)} | ${f(e.std)} | ${f(e.bias)} | ${e.passesPerDraw} | ${e.secondsPerDraw.toFixed(4)} |`),
    '',
  ].join('\n');
}
