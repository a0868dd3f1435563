/** One tensor from its safetensors bytes (no file-system access: the browser entry uses it). */
import * as E from 'fp-ts/lib/Either.js';
import type { DeviceName } from '../backend.js';
import { fromRaw } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { decodeTensorBytes, type DecodeOptions } from './dtype-convert.js';
import { SafetensorsError, toSafetensorsError } from './safetensors-error.js';
import type { TensorInfo } from './safetensors-format.js';

export interface LoadOptions extends DecodeOptions {
  /** Device for the new tensors (default: the default device). */
  readonly device?: DeviceName;
  /** Load only the tensors for which this returns true. */
  readonly filter?: (name: string, info: TensorInfo) => boolean;
}

/** One tensor from its bytes. */
export function tensorFromBytes(info: TensorInfo, bytes: Uint8Array, file: string, options: LoadOptions = {}): E.Either<SafetensorsError, Tensor> {
  const decoded = decodeTensorBytes(info, bytes, file, options);
  if (E.isLeft(decoded)) return decoded;
  try {
    return E.right(fromRaw(decoded.right.data, info.shape, decoded.right.dtype, { device: options.device }));
  } catch (e) {
    return E.left(toSafetensorsError(file, e, 'cannot create the tensor', info.name));
  }
}
