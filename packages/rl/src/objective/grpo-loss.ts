import { stopGradient } from '@mmada/autograd';
import {
  TensorError, add, cast, clamp, div, exp, expandDims, gt, logicalAnd, logicalOr, lt, maximum, minimum, mul, neg, scopeSync, sub,
  sum, tile, where, type Tensor,
} from '@mmada/tensor';

/**
 * How the per-token losses are reduced (TRL's `loss_type`):
 * - `grpo`: mean over rows of each row's masked token mean (MMaDA Eq. 5, the GRPO paper);
 * - `bnpo`: masked token mean over the whole local batch (d1's diffu-GRPO);
 * - `dr_grpo`: masked sum ÷ (rows · maxCompletionLength) (Dr. GRPO);
 * - `dapo`: masked sum ÷ the active tokens of the whole generation batch (`activeTokens`; this batch's when absent).
 */
export type LossType = 'grpo' | 'bnpo' | 'dr_grpo' | 'dapo';

/** `token`: one ratio per token; `sequence`: GSPO's exp(masked mean of log ρ over the row), shared by its tokens. */
export type ImportanceSamplingLevel = 'token' | 'sequence';

export interface GrpoLossInputs {
  /** f32 [R, L]: log-probabilities under the policy being trained; the loss is differentiable through it. */
  readonly logp: Tensor;
  /** f32 [R, L]: under the policy that generated the batch. Absent: stopGradient(logp), so ρ = 1 (μ = 1). */
  readonly oldLogp?: Tensor;
  /** f32 [R, L]: under the frozen reference policy; needed when β ≠ 0 and klAgainst is 'ref'. */
  readonly refLogp?: Tensor;
  /** bool / int / f32 [R, L]: the positions that enter the loss (1) or not (0). */
  readonly mask: Tensor;
  /**
   * f32 [B]: one advantage per completion, broadcast over its tokens. R may be a multiple k·B (an estimator
   * that scores k masked copies of each completion, copy-major); the advantages are then repeated k times.
   */
  readonly advantages: Tensor;
}

export interface GrpoLossOptions {
  /** Default 'grpo'. (TRL's default is 'dapo'; d1 is 'bnpo'.) */
  readonly lossType?: LossType;
  /** Lower clip: ρ is clipped to [1 − epsilon, 1 + epsilonHigh] (default 0.2). */
  readonly epsilon?: number;
  /** Upper clip (default = epsilon; DAPO suggests 0.28). */
  readonly epsilonHigh?: number;
  /** Upper cap on ρ in the unclipped branch (INTELLECT-2's two-sided clipping); none by default. */
  readonly delta?: number;
  /** k3 KL coefficient (default 0: no KL term, no reference needed). */
  readonly beta?: number;
  /** The KL's reference: π_ref (default; TRL, UniGRPO) or π_old (dLLM-RL's variant). */
  readonly klAgainst?: 'ref' | 'old';
  /** Default 'token'. */
  readonly importanceSamplingLevel?: ImportanceSamplingLevel;
  /** dr_grpo's normaliser per row (default L, the width of `mask`). */
  readonly maxCompletionLength?: number;
  /** dapo's normaliser: active (mask = 1) tokens of the whole generation batch, across micro-batches and ranks. */
  readonly activeTokens?: number;
}

/**
 * Scalar f32 tensors, not differentiated (computed on stop-gradient values); read them with `readLossMetrics`.
 * Each is a masked mean over the tokens of the batch, as TRL logs them.
 */
export interface GrpoLossMetrics {
  /** Fraction of tokens with ρ < 1 − ε and A < 0 (the clip bounds the update). */
  readonly clipRatioLow: Tensor;
  /** Fraction of tokens with ρ > 1 + ε_high and A > 0. */
  readonly clipRatioHigh: Tensor;
  /** Either of the two. */
  readonly clipRatioRegion: Tensor;
  /** Mean k3 KL against the KL reference; present when that reference was given (or β ≠ 0). */
  readonly kl?: Tensor;
  /** Mean importance ratio ρ (before the `delta` cap). */
  readonly meanRatio: Tensor;
}

export interface GrpoLoss {
  /** f32 scalar. */
  readonly loss: Tensor;
  readonly metrics: GrpoLossMetrics;
}

/** k3 estimator of KL(π‖π_ref) per token: exp(ℓ_ref − ℓ) − (ℓ_ref − ℓ) − 1 (≥ 0). `d` = ℓ_ref − ℓ. */
function k3(d: Tensor): Tensor {
  return sub(sub(exp(d), d), 1);
}

function checkShapes(inputs: GrpoLossInputs): number {
  const op = 'grpoLoss';
  const { logp, mask, advantages } = inputs;
  if (logp.rank !== 2) throw new TensorError(op, `logp must be [R, L], got [${logp.shape.join(', ')}]`);
  const same = (name: string, t: Tensor | undefined) => {
    if (t && (t.rank !== 2 || t.shape[0] !== logp.shape[0] || t.shape[1] !== logp.shape[1])) {
      throw new TensorError(op, `${name} [${t.shape.join(', ')}] must match logp [${logp.shape.join(', ')}]`);
    }
  };
  same('oldLogp', inputs.oldLogp);
  same('refLogp', inputs.refLogp);
  same('mask', mask);
  const rows = logp.shape[0]!;
  const b = advantages.size;
  if (advantages.rank !== 1 || b === 0 || rows % b !== 0) {
    throw new TensorError(op, `advantages [${advantages.shape.join(', ')}] must be [B] with B dividing logp's ${rows} rows`);
  }
  return rows / b;
}

/**
 * The GRPO family's clipped surrogate with an optional k3 KL penalty, as TRL's GRPOTrainer computes it:
 * `lossTok = −min(ρA, clip(ρ, 1−ε, 1+ε_high)·A) + β·k3`, with ρ = exp(ℓ − ℓ_old) per token (or per sequence,
 * GSPO), reduced by `lossType`. Differentiable with respect to `logp` through @mmada/autograd.
 * Positions outside `mask` never affect the loss or its gradient, whatever their values.
 */
export function grpoLoss(inputs: GrpoLossInputs, options: GrpoLossOptions = {}): GrpoLoss {
  const copies = checkShapes(inputs);
  const lossType = options.lossType ?? 'grpo';
  const epsLow = options.epsilon ?? 0.2;
  const epsHigh = options.epsilonHigh ?? epsLow;
  const beta = options.beta ?? 0;
  const klAgainst = options.klAgainst ?? 'ref';
  const level = options.importanceSamplingLevel ?? 'token';
  const [rows, width] = inputs.logp.shape as [number, number];
  if (beta !== 0 && klAgainst === 'ref' && !inputs.refLogp) throw new TensorError('grpoLoss', 'beta ≠ 0 with klAgainst "ref" needs refLogp');
  if (beta !== 0 && klAgainst === 'old' && !inputs.oldLogp) throw new TensorError('grpoLoss', 'beta ≠ 0 with klAgainst "old" needs oldLogp');

  return scopeSync(() => {
    const { logp } = inputs;
    const active = cast(inputs.mask, 'bool');
    const m = cast(active, 'f32');
    const old = inputs.oldLogp ?? stopGradient(logp);
    // Positions outside the mask are zeroed before exp, so garbage there can never make inf · 0 = NaN.
    const logRatio = where(active, sub(logp, old), 0);
    const rowTokens = sum(m, -1, { keepDims: true }); // [R, 1]
    const logWeight = level === 'sequence' ? div(sum(logRatio, -1, { keepDims: true }), maximum(rowTokens, 1)) : logRatio;
    const ratio = exp(logWeight);
    const clipped = clamp(ratio, 1 - epsLow, 1 + epsHigh);
    const capped = options.delta !== undefined ? minimum(ratio, options.delta) : ratio;
    const adv = expandDims(copies > 1 ? tile(inputs.advantages, [copies]) : inputs.advantages, -1); // [R, 1]
    let perToken = neg(minimum(mul(capped, adv), mul(clipped, adv)));

    const klRef = klAgainst === 'ref' ? inputs.refLogp : inputs.oldLogp;
    let kl: Tensor | undefined;
    if (klRef) {
      kl = k3(where(active, sub(klRef, logp), 0));
      if (beta !== 0) perToken = add(perToken, mul(kl, beta));
    }

    const masked = where(active, perToken, 0); // [R, L] (a [R, 1] sequence term broadcasts here)
    const total = sum(masked);
    const allTokens = sum(m);
    let loss: Tensor;
    switch (lossType) {
      case 'grpo':
        loss = div(sum(div(sum(masked, -1), maximum(sum(m, -1), 1))), rows);
        break;
      case 'bnpo':
        loss = div(total, maximum(allTokens, 1));
        break;
      case 'dr_grpo':
        loss = div(total, rows * (options.maxCompletionLength ?? width));
        break;
      case 'dapo':
        loss = div(total, options.activeTokens !== undefined ? Math.max(1, options.activeTokens) : maximum(allTokens, 1));
        break;
      default:
        throw new TensorError('grpoLoss', `unknown lossType ${String(lossType)}`);
    }

    // Metrics on stop-gradient copies: masked means over the batch's tokens.
    const denom = maximum(allTokens, 1);
    const maskedMean = (x: Tensor) => div(sum(where(active, x, 0)), denom);
    const r = stopGradient(capped);
    const a = stopGradient(adv);
    const low = logicalAnd(lt(r, 1 - epsLow), lt(a, 0));
    const high = logicalAnd(gt(r, 1 + epsHigh), gt(a, 0));
    const metrics: GrpoLossMetrics = {
      clipRatioLow: maskedMean(cast(low, 'f32')),
      clipRatioHigh: maskedMean(cast(high, 'f32')),
      clipRatioRegion: maskedMean(cast(logicalOr(low, high), 'f32')),
      meanRatio: maskedMean(stopGradient(ratio)),
      ...(kl ? { kl: maskedMean(stopGradient(kl)) } : {}),
    };
    return { loss, metrics };
  });
}

/** The metrics as plain numbers (one readback each). */
export async function readLossMetrics(metrics: GrpoLossMetrics): Promise<{
  clipRatioLow: number; clipRatioHigh: number; clipRatioRegion: number; meanRatio: number; kl?: number;
}> {
  const [clipRatioLow, clipRatioHigh, clipRatioRegion, meanRatio] = await Promise.all(
    [metrics.clipRatioLow, metrics.clipRatioHigh, metrics.clipRatioRegion, metrics.meanRatio].map((t) => t.item()),
  );
  const out = { clipRatioLow, clipRatioHigh, clipRatioRegion, meanRatio };
  return metrics.kl ? { ...out, kl: await metrics.kl.item() } : out;
}
