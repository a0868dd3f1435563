import type { KernelTable } from '../../backend.js';
import type { Runtime } from '../runtime.js';
import { attentionBackward } from './attention-backward.js';
import { crossEntropyBackward } from './loss-backward.js';

/** The fused backward primitives (attention, cross-entropy) on webgpu. */
export function makeNNBackwardKernels(rt: Runtime): Pick<KernelTable, 'attentionBackward' | 'crossEntropyBackward'> {
  return {
    attentionBackward: (inputs, { hasMask, hasBias, scale }) => {
      let i = 3;
      const mask = hasMask ? inputs[i++]! : null;
      const bias = hasBias ? inputs[i++]! : null;
      return attentionBackward(rt, { q: inputs[0]!, k: inputs[1]!, v: inputs[2]!, mask, bias, out: inputs[i]!, gradOut: inputs[i + 1]!, scale });
    },
    crossEntropyBackward: ([logits, targets, gradOut], { ignoreIndex }) => [crossEntropyBackward(rt, logits!, targets!, gradOut!, ignoreIndex)],
  };
}
