/**
 * The model as the trainer sees it: parameters (a pytree the optimizer updates) and a forward pass that is a
 * function of them, so the same model gives the rollout sampler's `MaskPredictor`, the differentiable
 * policy under `valueAndGrad`, and the frozen reference. @mmada/mmada's mask predictor plugs in with
 * `forward: (p, ids, pad) => maskPredictorForward(p, config, ids, { padMask: pad })`.
 */
import type { MaskPredictor } from '@mmada/diffusion';
import type { Tensor } from '@mmada/tensor';

export interface RlPolicy<P = unknown> {
  /** The parameters to start from (never freed or modified by the trainer; they are also π_ref). */
  readonly params: P;
  /** Logits [B, L, V] for ids [B, L] (and an optional pad mask, 1 = token) under `params`; a fresh tensor. */
  forward(params: P, ids: Tensor, padMask?: Tensor): Tensor | Promise<Tensor>;
  readonly maskId: number;
  readonly eosId: number;
  /** Tokens that end a text completion (default [eosId]; chat models add `<|eot_id|>`). */
  readonly stopIds?: readonly number[];
  /** Left padding of batched text prompts (default eosId, as LLaDA / MMaDA). */
  readonly padId?: number;
}

/** Counts of model evaluations: predictor calls, sequences (rows) and tokens through the model. */
export interface ForwardCounter {
  calls: number;
  sequences: number;
  tokens: number;
}

export const newForwardCounter = (): ForwardCounter => ({ calls: 0, sequences: 0, tokens: 0 });

/** The policy at `params` as a MaskPredictor that counts what goes through it. */
export function predictorAt<P>(policy: RlPolicy<P>, params: P, counter?: ForwardCounter): MaskPredictor {
  return (ids, padMask) => {
    if (counter) {
      counter.calls += 1;
      counter.sequences += ids.shape[0]!;
      counter.tokens += ids.size;
    }
    return policy.forward(params, ids, padMask);
  };
}
