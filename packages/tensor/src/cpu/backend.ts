import type { Backend, KernelTable, TensorRef } from '../backend.js';
import type { DataType, DType, TypedArray } from '../dtype.js';
import { halfBitsToF32, isHalf } from '../dtype.js';
import { CpuStorage, allocStorage } from './storage.js';
import { binary, cast, unary, where } from './elementwise.js';
import { arange, fill } from './creation.js';
import { argReduce, reduce } from './reduce.js';
import { matmul } from './matmul.js';
import { matmulMany } from './matmul-many.js';
import { broadcastTo, concat, pad, slice, transpose } from './layout.js';
import { gather, putAlongAxis, takeAlongAxis } from './indexing.js';
import { sort, topk } from './sort.js';
import { randomBits } from './random.js';
import { logSoftmax, softmax } from './softmax.js';
import { crossEntropy } from './loss.js';
import { groupNorm, layerNorm, rmsNorm } from './norm.js';
import { rope } from './rope.js';
import { attention } from './attention.js';
import { conv2d } from './conv.js';
import { conv2dBackwardInput, conv2dBackwardWeight } from './conv-backward.js';
import { attentionBackward } from './attention-backward.js';
import { crossEntropyBackward } from './loss-backward.js';
import { adamUpdate, packFlat, sumOfSquares } from './optimizer.js';
import { groupNormBackward, rmsNormBackward } from './norm-backward.js';
import { swiglu, swigluBackward } from './swiglu.js';
import { activationBackward } from './activation-backward.js';

const kernels: KernelTable = {
  unary, binary, where, cast, fill, arange,
  reduce, argReduce, matmul, matmulMany,
  transpose, slice, broadcastTo, pad, concat,
  gather, takeAlongAxis, putAlongAxis,
  sort, topk, randomBits,
  softmax, logSoftmax, crossEntropy, rmsNorm, layerNorm, groupNorm, rope, attention, conv2d,
  attentionBackward, crossEntropyBackward, rmsNormBackward, groupNormBackward, conv2dBackwardInput, conv2dBackwardWeight,
  adamUpdate, sumOfSquares, packFlat,
  swiglu, swigluBackward, activationBackward,
};

/** The reference device: every primitive in plain TypeScript. The oracle for the WebGPU kernels. */
export function createCpuBackend(): Backend {
  return {
    name: 'cpu',
    kernels,
    upload(data: TypedArray, dtype: DType) {
      const s = allocStorage(dtype, data.length);
      s.set(data as ArrayLike<number>);
      return new CpuStorage(s);
    },
    async read(ref: TensorRef): Promise<DataType> {
      const d = (ref.storage as CpuStorage).data;
      const dtype = ref.dtype;
      if (isHalf(dtype)) return Float32Array.from(d, (h) => halfBitsToF32(dtype, h));
      return d.slice() as DataType;
    },
    view(storage, byteOffset, bytes) {
      const d = (storage as CpuStorage).data;
      const start = byteOffset / d.BYTES_PER_ELEMENT;
      return new CpuStorage(d.subarray(start, start + bytes / d.BYTES_PER_ELEMENT));
    },
    free() {
      // garbage collected
    },
    async sync() {},
  };
}
