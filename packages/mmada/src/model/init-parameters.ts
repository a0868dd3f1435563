/**
 * Fresh parameters for training from scratch or for tests: norms are ones, every matrix is drawn from a
 * normal distribution (std 0.02 unless given, as upstream's `init_std`; upstream's "mitchell" per-layer
 * scaling is not reproduced). Same key, same parameters, on every device.
 */
import { normal, ones, split, type DeviceName, type PRNGKey, type Tensor } from '@mmada/tensor';
import type { ModelConfig } from '../config/model-config.js';
import { buildParameters, parameterShapes, type MaskPredictorParameters } from './parameters.js';

export interface InitOptions {
  /** Standard deviation of the matrices (default 0.02). */
  readonly std?: number;
  readonly device?: DeviceName;
}

export function initParameters(config: ModelConfig, k: PRNGKey, options: InitOptions = {}): MaskPredictorParameters {
  const shapes = parameterShapes(config);
  const keys = split(k, shapes.length);
  const byName = new Map<string, Tensor>();
  shapes.forEach(([name, shape], i) => {
    const isNorm = shape.length === 1;
    byName.set(name, isNorm ? ones(shape, 'f32', { device: options.device }) : normal(keys[i]!, shape, { std: options.std ?? 0.02, device: options.device }));
  });
  return buildParameters(config, (name) => byName.get(name)!);
}
