/**
 * @mmada/diffusion — model-agnostic masked discrete diffusion: forward process, losses, text and image
 * samplers, inpainting / infilling and likelihood estimators, all over any `MaskPredictor`.
 * This file is the public surface and nothing else.
 */
export type { MaskPredictor } from './maskPredictor.js';
export { LLADA_MASK_ID, LLADA_EOS_ID, LLADA_EOT_ID, MMADA_CODEBOOK_OFFSET, MAGVIT_CODEBOOK_SIZE } from './tokenIds.js';

// Forward process
export { maskIndependently } from './maskIndependently.js';
export type { MaskIndependentlyOptions, IndependentlyMaskedBatch } from './maskIndependently.js';
export { maskByCosineSchedule } from './maskByCosineSchedule.js';
export type { CosineMaskingOptions, CosineMaskedBatch } from './maskByCosineSchedule.js';
export { maskExactCount } from './maskExactCount.js';

// Losses
export { maskedDiffusionLoss, pretrainingLoss, sftLoss } from './maskedDiffusionLoss.js';
export type { LossNormalizer, MaskedDiffusionLossInputs, MaskedDiffusionLoss } from './maskedDiffusionLoss.js';
export { t2iLoss } from './t2iLoss.js';
export type { T2iLossInputs, T2iLoss } from './t2iLoss.js';
export { mixedBatchLoss } from './mixedBatchLoss.js';
export type { MixedBatchParts, MixedBatchT2iPart, MixedBatchTextPart, MixedBatchCoefficients, MixedBatchLoss } from './mixedBatchLoss.js';

// Samplers
export { numTransfer } from './numTransfer.js';
export { textGuidance, imageGuidance } from './guidance.js';
export type { Remasking, TextDenoiseOptions, TextSampleResult } from './textDenoising.js';
export { semiAutoregressiveSample } from './semiAutoregressiveSample.js';
export type { SemiAutoregressiveOptions } from './semiAutoregressiveSample.js';
export { infillSample } from './infillSample.js';
export type { InfillOptions } from './infillSample.js';
export { maskRatio, scheduledMaskCount, maskgitMaskCounts } from './maskSchedule.js';
export type { MaskScheduleName, SchedulePrecision } from './maskSchedule.js';
export { maskgitTemperatures } from './maskgitTemperatures.js';
export { maskgitSample } from './maskgitSample.js';
export type { MaskgitOptions, MaskgitResult } from './maskgitSample.js';

// Likelihood estimators
export { monteCarloMaskCounts } from './monteCarloMaskCounts.js';
export { monteCarloLogLikelihood } from './monteCarloLogLikelihood.js';
export type { MonteCarloLikelihoodOptions, MonteCarloLikelihood } from './monteCarloLogLikelihood.js';
export { maskedAnswerLogLikelihood } from './maskedAnswerLogLikelihood.js';
export type { MaskedAnswerLikelihoodOptions, MaskedAnswerLikelihood } from './maskedAnswerLogLikelihood.js';
export { d1LogLikelihood } from './d1LogLikelihood.js';
export type { D1LikelihoodOptions, D1Likelihood } from './d1LogLikelihood.js';
