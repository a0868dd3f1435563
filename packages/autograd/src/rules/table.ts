import { nonDifferentiable, type VjpRuleTable } from '../vjp-rule.js';
import { binaryRule, castRule, unaryRule, whereRule } from './elementwise.js';
import { reduceRule } from './reduce.js';
import { broadcastToRule, concatRule, padRule, reshapeRule, sliceRule, transposeRule } from './layout.js';
import { matmulRule } from './matmul.js';
import { matmulManyRule } from './matmul-many.js';
import { gatherRule, putAlongAxisRule, takeAlongAxisRule } from './indexing.js';
import { sortRule, topkRule } from './sort.js';
import { logSoftmaxRule, softmaxRule } from './softmax.js';
import { groupNormRule, layerNormRule, rmsNormRule } from './norm.js';
import { ropeRule } from './rope.js';
import { swigluRule } from './swiglu.js';
import { attentionRule } from './attention.js';
import { crossEntropyRule } from './loss.js';
import { conv2dRule } from './conv.js';

/**
 * The reverse-mode rule of every primitive of @mmada/tensor. Its type has one entry per primitive, so a
 * primitive added to the tensor library without a rule here is a compile error.
 */
export const VJP_RULES: VjpRuleTable = {
  unary: unaryRule,
  binary: binaryRule,
  where: whereRule,
  cast: castRule,
  reduce: reduceRule,
  argReduce: nonDifferentiable('returns integer indices'),
  matmul: matmulRule,
  matmulMany: matmulManyRule,
  reshape: reshapeRule,
  transpose: transposeRule,
  slice: sliceRule,
  broadcastTo: broadcastToRule,
  pad: padRule,
  concat: concatRule,
  gather: gatherRule,
  takeAlongAxis: takeAlongAxisRule,
  putAlongAxis: putAlongAxisRule,
  sort: sortRule,
  topk: topkRule,
  randomBits: nonDifferentiable('random bits are integers'),
  fill: nonDifferentiable('a constant has no inputs'),
  arange: nonDifferentiable('a constant has no inputs'),
  softmax: softmaxRule,
  logSoftmax: logSoftmaxRule,
  rmsNorm: rmsNormRule,
  layerNorm: layerNormRule,
  groupNorm: groupNormRule,
  rope: ropeRule,
  swiglu: swigluRule,
  swigluBackward: nonDifferentiable('a fused backward pass (gradients of gradients are not supported)'),
  activationBackward: nonDifferentiable('a fused backward pass (gradients of gradients are not supported)'),
  attention: attentionRule,
  crossEntropy: crossEntropyRule,
  conv2d: conv2dRule,
  attentionBackward: nonDifferentiable('a fused backward pass (gradients of gradients are not supported)'),
  crossEntropyBackward: nonDifferentiable('a fused backward pass (gradients of gradients are not supported)'),
  rmsNormBackward: nonDifferentiable('a fused backward pass (gradients of gradients are not supported)'),
  groupNormBackward: nonDifferentiable('a fused backward pass (gradients of gradients are not supported)'),
  conv2dBackwardInput: nonDifferentiable('a backward pass (gradients of gradients are not supported)'),
  conv2dBackwardWeight: nonDifferentiable('a backward pass (gradients of gradients are not supported)'),
  adamUpdate: nonDifferentiable('an optimizer step'),
  sumOfSquares: nonDifferentiable('an optimizer statistic (the square of a global gradient norm)'),
  packFlat: nonDifferentiable('optimizer packing (many tensors into one buffer)'),
};
