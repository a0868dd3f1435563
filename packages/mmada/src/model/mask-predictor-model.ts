/**
 * A mask predictor: its config and its parameters. Plain data — the forward pass and the task APIs are
 * functions of it, and `params` is the pytree @mmada/autograd differentiates and optimizers update.
 */
import { dispose, type DeviceName, type PRNGKey } from '@mmada/tensor';
import type { ModelConfig } from '../config/model-config.js';
import { initParameters, type InitOptions } from './init-parameters.js';
import type { MaskPredictorParameters } from './parameters.js';

export interface MaskPredictorModel {
  readonly config: ModelConfig;
  readonly params: MaskPredictorParameters;
}

/** A model with fresh random parameters (see initParameters). */
export function createModel(config: ModelConfig, k: PRNGKey, options: InitOptions = {}): MaskPredictorModel {
  return { config, params: initParameters(config, k, options) };
}

/** Frees every parameter tensor of the model. */
export function disposeModel(model: MaskPredictorModel): void {
  dispose(model.params);
}

/** The device the parameters live on. */
export const modelDevice = (model: MaskPredictorModel): DeviceName => model.params.model.transformer.wte.weight.device;
