/**
 * One optimisation step of a tokenizer: the loss of `tokenizerLoss`, its gradient by @mmada/autograd, and an
 * optax-style optimizer update. The step owns its inputs: the old parameters and optimizer state are freed
 * and the new ones returned, so a training loop leaks nothing.
 */
import { valueAndGrad, optimizerStep, type GradientTransformation } from '@mmada/autograd';
import type { Tensor } from '@mmada/tensor';
import type { VqConfig } from './vq-config.js';
import { tokenizerLoss, type TokenizerLossOptions, type TokenizerLossParts } from './tokenizer-loss.js';
import type { VqParameters } from './vq-parameters.js';

export interface TokenizerStepResult<S> {
  readonly params: VqParameters;
  readonly state: S;
  readonly loss: number;
  /** The loss parts as numbers (see TokenizerLossParts). */
  readonly parts: { readonly [K in keyof TokenizerLossParts]: number };
}

/** A step function for `optimizer` (e.g. `adam(1e-3)`): (params, state, images) → new params, state and metrics. */
export function tokenizerTrainStep<S>(
  config: VqConfig,
  optimizer: GradientTransformation<S>,
  options: TokenizerLossOptions = {},
): (params: VqParameters, state: S, images: Tensor) => Promise<TokenizerStepResult<S>> {
  const lossAndGrad = valueAndGrad((p: VqParameters, images: Tensor) => tokenizerLoss(p, config, images, options), { hasAux: true });
  return async (params, state, images) => {
    const { value, grads, aux } = await lossAndGrad(params, images);
    const loss = await value.item();
    value.dispose();
    const parts = {} as Record<keyof TokenizerLossParts, number>;
    for (const [k, t] of Object.entries(aux) as Array<[keyof TokenizerLossParts, Tensor]>) {
      parts[k] = await t.item();
      t.dispose();
    }
    const next = optimizerStep(optimizer, params, grads, state);
    return { params: next.params, state: next.state, loss, parts };
  };
}
