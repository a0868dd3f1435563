/**
 * @mmada/tensor in a browser: everything except file-system I/O (safetensors and checkpoints read from and
 * written to paths). Bundlers pick this file through the `browser` condition of package.json's `exports`;
 * `index.ts` is this surface plus the Node-only I/O.
 */
export type { DType, DataType, HalfDType, TypedArray } from './dtype.js';
export { DTYPES, byteSize, isFloat, promoteTypes, f32ToF16Bits, f16BitsToF32, bf16BitsToF32, f32ToBf16Bits, isHalf, halfBitsToF32, f32ToHalfBits } from './dtype.js';
export { TensorError } from './errors.js';
export type { Shape } from './shape.js';
export { sizeOf, broadcastShapes } from './shape.js';
export { Tensor } from './tensor.js';
export type { DeviceName, Backend, Storage, TensorRef, OutSpec, Kernel, KernelTable } from './backend.js';
export type { PrimitiveName, PrimitiveParams, UnaryOp, BinaryOp, ReduceOp, ArgReduceOp, ActivationOp, MatmulGroup } from './primitives.js';
export { init, getBackend, getDefaultDevice, setDefaultDevice, deviceFromEnv, ensureBackend, sync, onPrimitive, runPrimitive } from './engine.js';
export type { InitOptions, PrimitiveEvent, PrimitiveListener } from './engine.js';
export { memory, scope, scopeSync, keep, dispose, forEachTensor } from './memory.js';
export { profile, formatProfile, profileRequested } from './profile.js';
export type { ProfileReport, KernelProfile, RuntimeProfile } from './profile.js';

export { tensor, fromRaw, scalar, full, zeros, ones, fullLike, zerosLike, onesLike, arange, toDevice } from './ops/creation.js';
export type { CreateOptions, NestedArray } from './ops/creation.js';
export {
  neg, abs, exp, log, sqrt, rsqrt, sin, cos, tanh, sigmoid, relu, square, reciprocal, sign, floor, round, erf,
  logicalNot, silu, gelu, add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, logicalAnd, logicalOr,
  clamp, where, cast, isFinite,
} from './ops/elementwise.js';
export type { TensorLike } from './ops/util.js';
export { sum, prod, mean, max, min, any, all, argmax, argmin, logSumExp } from './ops/reduce.js';
export type { ReduceOptions } from './ops/reduce.js';
export {
  reshape, transpose, swapAxes, expandDims, squeeze, broadcastTo, slice, sliceAxis, concat, stack, pad, tile, flatten,
} from './ops/layout.js';
export { gather, takeAlongAxis, putAlongAxis, scatter, scatterAdd, oneHot } from './ops/indexing.js';
export { matmul } from './ops/matmul.js';
export type { MatmulOptions } from './ops/matmul.js';
export { matmulMany } from './ops/matmul-many.js';
export type { MatmulManyOptions } from './ops/matmul-many.js';
export { sort, argsort, topk } from './ops/sort.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { rmsNorm, layerNorm, groupNorm } from './ops/norm.js';
export { rope, ropeMany, type RopeOptions } from './ops/rope.js';
export { ropeInvFreq } from './ops/rope-frequencies.js';
export { attention } from './ops/attention.js';
export type { AttentionOptions } from './ops/attention.js';
export { crossEntropy } from './ops/loss.js';
export type { CrossEntropyOptions } from './ops/loss.js';
export { conv2d, upsampleNearest2d } from './ops/conv.js';
export type { Conv2dOptions } from './ops/conv.js';
export { embedding } from './ops/embedding.js';
/** For autograd: the fused backward passes of attention and crossEntropy (not differentiable themselves). */
export { attentionBackward } from './ops/attention-backward.js';
export { crossEntropyBackward } from './ops/loss-backward.js';
export { adamUpdate, sumOfSquares } from './ops/optimizer.js';
export { FLAT_ALIGNMENT, flatLayout, flatViews, packFlat, type FlatLayout } from './ops/flat.js';
export { rmsNormBackward } from './ops/norm-backward.js';
export { swiglu, swigluBackward } from './ops/swiglu.js';
export { activationBackward } from './ops/activation-backward.js';
export type { AdamUpdateOptions } from './ops/optimizer.js';
export type { AttentionBackwardInputs, AttentionGradients } from './ops/attention-backward.js';

export { key, keyFromWords, foldIn, isKey } from './random/key.js';
export { split } from './split.js';
export type { PRNGKey } from './random/key.js';
export { randomBits, uniform, normal, gumbel, bernoulli, randint, categorical, permutation } from './random/sample.js';
export { threefry2x32 } from './random/threefry.js';

export * from './io/browser.js';
