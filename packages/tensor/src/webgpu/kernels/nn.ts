import type { KernelTable } from '../../backend.js';
import type { Runtime } from '../runtime.js';

type NNName = 'softmax' | 'logSoftmax' | 'rmsNorm' | 'layerNorm' | 'groupNorm' | 'rope' | 'attention' | 'crossEntropy' | 'conv2d';

export function makeNNKernels(rt: Runtime): Pick<KernelTable, NNName> {
  void rt;
  const todo = (name: string) => () => {
    throw new Error(`webgpu: ${name} is not implemented yet`);
  };
  return {
    softmax: todo('softmax'),
    logSoftmax: todo('logSoftmax'),
    rmsNorm: todo('rmsNorm'),
    layerNorm: todo('layerNorm'),
    groupNorm: todo('groupNorm'),
    rope: todo('rope'),
    attention: todo('attention'),
    crossEntropy: todo('crossEntropy'),
    conv2d: todo('conv2d'),
  };
}
