/**
 * @mmada/diffusion — model-agnostic masked discrete diffusion: forward process, losses, text and image
 * samplers, inpainting / infilling and likelihood estimators, all over any `MaskPredictor`.
 * This file is the public surface and nothing else.
 */
export type { MaskPredictor } from './mask-predictor.js';
export type { KeyValueCache, KeyValueCacheMode } from './key-value-cache.js';

// Forward process
export { maskIndependently } from './mask-independently.js';
export type { MaskIndependentlyOptions, IndependentlyMaskedBatch } from './mask-independently.js';
export { maskByCosineSchedule } from './mask-by-cosine-schedule.js';
export type { CosineMaskingOptions, CosineMaskedBatch } from './mask-by-cosine-schedule.js';
export { maskExactCount } from './mask-exact-count.js';

// Losses
export { maskedDiffusionLoss, pretrainingLoss, sftLoss } from './masked-diffusion-loss.js';
export type { LossNormalizer, MaskedDiffusionLossInputs, MaskedDiffusionLoss } from './masked-diffusion-loss.js';
export { t2iLoss } from './t2i-loss.js';
export type { T2iLossInputs, T2iLoss } from './t2i-loss.js';
export { mixedBatchLoss } from './mixed-batch-loss.js';
export type { MixedBatchParts, MixedBatchT2iPart, MixedBatchTextPart, MixedBatchCoefficients, MixedBatchLoss } from './mixed-batch-loss.js';

// Samplers
export { numTransfer } from './num-transfer.js';
export { textGuidance, imageGuidance } from './guidance.js';
export type { Remasking, TextDenoiseOptions, TextSampleResult } from './text-denoising.js';
export { semiAutoregressiveSample } from './semi-autoregressive-sample.js';
export type { SemiAutoregressiveOptions } from './semi-autoregressive-sample.js';
export { infillSample } from './infill-sample.js';
export type { InfillOptions } from './infill-sample.js';
export { maskRatio, scheduledMaskCount, maskgitMaskCounts } from './mask-schedule.js';
export type { MaskScheduleName, SchedulePrecision } from './mask-schedule.js';
export { maskgitTemperatures } from './maskgit-temperatures.js';
export { maskgitSample } from './maskgit-sample.js';
export type { MaskgitOptions, MaskgitResult } from './maskgit-sample.js';

// Likelihood estimators
export { monteCarloMaskCounts } from './monte-carlo-mask-counts.js';
export { monteCarloLogLikelihood } from './monte-carlo-log-likelihood.js';
export type { MonteCarloLikelihoodOptions, MonteCarloLikelihood } from './monte-carlo-log-likelihood.js';
export { maskedAnswerLogLikelihood } from './masked-answer-log-likelihood.js';
export type { MaskedAnswerLikelihoodOptions, MaskedAnswerLikelihood } from './masked-answer-log-likelihood.js';
export { d1LogLikelihood } from './d1-log-likelihood.js';
export type { D1LikelihoodOptions, D1Likelihood } from './d1-log-likelihood.js';
