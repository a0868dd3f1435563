import type { KernelTable } from '../../backend.js';
import type { Runtime } from '../runtime.js';
import { attention } from './attention.js';
import { conv2d } from './conv.js';
import { rope } from './rope.js';
import { crossEntropy } from './loss.js';
import { groupNorm } from './group-norm.js';
import { norm } from './norm.js';
import { softmaxLike } from './softmax.js';
import { swiglu } from './swiglu.js';
import { activationBackward } from './activation-backward.js';

/** The neural-network primitives of the webgpu device: one kernel per op, each in its family's file. */
type NNName = 'softmax' | 'logSoftmax' | 'rmsNorm' | 'layerNorm' | 'groupNorm' | 'rope' | 'attention' | 'crossEntropy' | 'conv2d' | 'swiglu' | 'swigluBackward' | 'activationBackward';

export function makeNNKernels(rt: Runtime): Pick<KernelTable, NNName> {
  return {
    softmax: ([x]) => [softmaxLike(rt, x!, false)],
    logSoftmax: ([x]) => [softmaxLike(rt, x!, true)],
    rmsNorm: (inputs, { eps, hasWeight }) => [norm(rt, 'rms', inputs[0]!, hasWeight ? inputs[1] : undefined, undefined, eps)],
    layerNorm: (inputs, { eps, hasWeight, hasBias }) => {
      let i = 1;
      const w = hasWeight ? inputs[i++] : undefined;
      const b = hasBias ? inputs[i++] : undefined;
      return [norm(rt, 'layer', inputs[0]!, w, b, eps)];
    },
    groupNorm: (inputs, { groups, eps, hasWeight, hasBias, silu }) => {
      let i = 1;
      const w = hasWeight ? inputs[i++] : undefined;
      const b = hasBias ? inputs[i++] : undefined;
      return [groupNorm(rt, inputs[0]!, w, b, eps, groups, silu ?? false)];
    },
    rope: (inputs, p) => rope(rt, inputs.slice(0, -1), inputs[inputs.length - 1]!, p),
    attention: (inputs, { scale, hasMask, hasBias, tokenMajorValues }) => {
      let i = 3;
      const mask = hasMask ? inputs[i++] : undefined;
      const bias = hasBias ? inputs[i++] : undefined;
      return [attention(rt, { q: inputs[0]!, k: inputs[1]!, v: inputs[2]!, mask: mask ?? null, bias: bias ?? null, scale, tokenMajorValues })];
    },
    crossEntropy: ([logits, targets], { ignoreIndex }) => [crossEntropy(rt, logits!, targets!, ignoreIndex)],
    swiglu: ([gate, up]) => swiglu(rt, gate!, up!, null),
    swigluBackward: ([gate, up, gradOut]) => swiglu(rt, gate!, up!, gradOut!),
    activationBackward: ([x, gradOut], { op }) => [activationBackward(rt, x!, gradOut!, op)],
    conv2d: (inputs, params, [out]) => [conv2d(rt, inputs[0]!, inputs[1]!, params.hasBias ? inputs[2]! : null, params, out!.shape)],
  };
}
