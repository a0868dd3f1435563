import { coupledEstimator, type CoupledEstimatorOptions } from './coupled-estimator.js';
import { d1Estimator, type D1EstimatorOptions } from './d1-estimator.js';
import type { LikelihoodEstimator } from './likelihood-estimator.js';
import { lladaMcEstimator, type LladaMcEstimatorOptions } from './llada-mc-estimator.js';
import { randomMaskingEstimator, type RandomMaskingEstimatorOptions } from './random-masking-estimator.js';
import { unigrpoEstimator, type UnigrpoEstimatorOptions } from './unigrpo-estimator.js';

/** An estimator by name and options: what a config file or an ablation variant names. */
export type EstimatorSpec =
  | ({ readonly name: 'unigrpo' } & UnigrpoEstimatorOptions)
  | ({ readonly name: 'd1' } & D1EstimatorOptions)
  | ({ readonly name: 'coupled' } & CoupledEstimatorOptions)
  | ({ readonly name: 'random-masking' } & RandomMaskingEstimatorOptions)
  | ({ readonly name: 'llada-mc' } & LladaMcEstimatorOptions);

/** Builds the estimator an `EstimatorSpec` names. */
export function createEstimator(spec: EstimatorSpec): LikelihoodEstimator {
  switch (spec.name) {
    case 'unigrpo':
      return unigrpoEstimator(spec);
    case 'd1':
      return d1Estimator(spec);
    case 'coupled':
      return coupledEstimator(spec);
    case 'random-masking':
      return randomMaskingEstimator(spec);
    case 'llada-mc':
      return lladaMcEstimator(spec);
    default:
      throw new RangeError(`createEstimator: unknown estimator ${String((spec as { name: unknown }).name)}`);
  }
}
