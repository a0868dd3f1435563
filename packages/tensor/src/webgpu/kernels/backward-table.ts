import type { KernelTable } from '../../backend.js';
import type { Runtime } from '../runtime.js';
import { attentionBackward } from './attention-backward.js';
import { conv2dBackwardInput, conv2dBackwardWeight } from './conv-backward.js';
import { crossEntropyBackward } from './loss-backward.js';
import { groupNormBackward } from './group-norm-backward.js';
import { rmsNormBackward } from './norm-backward.js';

/** The fused backward primitives (attention, cross-entropy, rmsNorm, groupNorm, conv2d's two gradients) on webgpu. */
export function makeNNBackwardKernels(rt: Runtime): Pick<KernelTable, 'attentionBackward' | 'crossEntropyBackward' | 'rmsNormBackward' | 'groupNormBackward' | 'conv2dBackwardInput' | 'conv2dBackwardWeight'> {
  return {
    attentionBackward: (inputs, { hasMask, hasBias, scale, tokenMajorValues }) => {
      let i = 3;
      const mask = hasMask ? inputs[i++]! : null;
      const bias = hasBias ? inputs[i++]! : null;
      return attentionBackward(rt, { q: inputs[0]!, k: inputs[1]!, v: inputs[2]!, mask, bias, out: inputs[i]!, gradOut: inputs[i + 1]!, scale, tokenMajorValues });
    },
    crossEntropyBackward: ([logits, targets, gradOut], { ignoreIndex }) => [crossEntropyBackward(rt, logits!, targets!, gradOut!, ignoreIndex)],
    rmsNormBackward: (inputs, { eps, hasWeight, hasAddend }) =>
      rmsNormBackward(rt, inputs[0]!, hasWeight ? inputs[1]! : null, inputs[hasWeight ? 2 : 1]!, eps, hasAddend ? inputs[hasWeight ? 3 : 2]! : null),
    groupNormBackward: (inputs, { groups, eps, hasWeight, hasBias, hasAddend, silu }) => {
      let i = 1;
      const w = hasWeight ? inputs[i++]! : null;
      const b = silu && hasBias ? inputs[i++]! : null;
      const g = inputs[i++]!;
      return groupNormBackward(rt, inputs[0]!, w, g, groups, eps, hasBias, hasAddend ? inputs[i]! : null, silu ?? false, b);
    },
    conv2dBackwardInput: ([g, w], params, [out]) => [conv2dBackwardInput(rt, g!, w!, params, out!.shape)],
    conv2dBackwardWeight: ([x, g], params, [out]) => [conv2dBackwardWeight(rt, x!, g!, params, out!.shape)],
  };
}
