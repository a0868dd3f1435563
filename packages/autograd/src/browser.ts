/**
 * @mmada/autograd in a browser: everything except training checkpoints on disk. Bundlers pick this file
 * through the `browser` condition of package.json's `exports`; `index.ts` is this surface plus checkpoints.
 */
export { valueAndGrad, grad } from './value-and-grad.js';
export type { GradOptions, ValueAndGrad } from './value-and-grad.js';
export { vjp } from './vjp.js';
export type { VjpResult } from './vjp.js';
export { stopGradient } from './stop-gradient.js';

export { VJP_RULES } from './rules/table.js';
export { nonDifferentiable } from './vjp-rule.js';
export type { VjpRule, VjpRuleTable, VjpContext, DifferentiableRule, NonDifferentiable, SavedIndices } from './vjp-rule.js';

export { isContainer, isTensor, leavesWithPaths, treeLeaves, tensorLeaves, flattenToRecord, flatten, unflatten, mapTensors, mapLeaves } from './pytree.js';
export type { PyTree, PathLeaf, TreeDef } from './pytree.js';

export { chain, applyUpdates, optimizerStep } from './optim/transformation.js';
export type { GlobalNormClip, GradientTransformation } from './optim/transformation.js';
export { sgd } from './optim/sgd.js';
export type { SgdOptions, SgdState } from './optim/sgd.js';
export { adam, adamw } from './optim/adam.js';
export type { AdamOptions, AdamWOptions, AdamState } from './optim/adam.js';
export { clipByGlobalNorm, globalNormScale } from './optim/clip-by-global-norm.js';
export { UPSTREAM_NO_DECAY, decayUnlessNameContains, weightDecayMask, decayedPaths } from './optim/weight-decay-mask.js';
export type { WeightDecayMask } from './optim/weight-decay-mask.js';
export { valueAt, constantSchedule, linearWarmup, warmupCosine } from './optim/schedule.js';
export type { Schedule, ScalarOrSchedule, WarmupCosineOptions } from './optim/schedule.js';

export { normalInit, truncatedNormalInit, zerosInit, onesInit } from './initializers.js';
export type { Initializer } from './initializers.js';
export { erfinvCentral } from './erfinv.js';
