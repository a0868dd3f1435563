import type { DType, DataType, TypedArray } from './dtype.js';
import type { PrimitiveName, PrimitiveParams } from './primitives.js';
import type { RuntimeProfile } from './webgpu/runtime-profiler.js';

export type DeviceName = 'cpu' | 'webgpu';

/** Opaque device memory. `bytes` is what `memory()` counts. */
export interface Storage {
  readonly bytes: number;
}

/** A contiguous row-major tensor as a kernel sees it. */
export interface TensorRef {
  readonly storage: Storage;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
}

export interface OutSpec {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export type Kernel<P extends PrimitiveName> = (inputs: TensorRef[], params: PrimitiveParams[P], outs: OutSpec[]) => Storage[];

/** Every primitive but reshape (which never touches memory) needs a kernel: a missing one does not compile. */
export type KernelTable = { [P in Exclude<PrimitiveName, 'reshape'>]: Kernel<P> };

export interface Backend {
  readonly name: DeviceName;
  readonly kernels: KernelTable;
  /** Copies host data into new device storage. f16 data is given as raw Uint16 bits; bool as Uint8. */
  upload(data: TypedArray, dtype: DType): Storage;
  /** Reads storage back; f16 is decoded to Float32Array, bool comes as Uint8Array. */
  read(ref: TensorRef): Promise<DataType>;
  /**
   * `bytes` bytes of `storage` from `byteOffset` (a multiple of 256), sharing its memory: what kernels bind for a
   * view tensor. The storage stays owned by its parent (`free` is never called on a view).
   */
  view(storage: Storage, byteOffset: number, bytes: number): Storage;
  /** Releases storage (possibly deferred until queued work that uses it completes). */
  free(storage: Storage): void;
  /** Waits until all queued work is done. */
  sync(): Promise<void>;
  /** Device-level profiling (see `profile`), where the device has it: opens a profile. */
  startProfile?(): void;
  /** Closes the open profile and returns what the device did since `startProfile`. */
  stopProfile?(): Promise<RuntimeProfile>;
}
