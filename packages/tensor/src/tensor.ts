import type { Backend, DeviceName, Storage, TensorRef } from './backend.js';
import type { DataType, DType } from './dtype.js';
import { TensorError, fmtShape } from './errors.js';
import { sizeOf, type Shape } from './shape.js';
import { trackCreated, trackDisposed } from './memory.js';

/**
 * Device memory shared by a tensor and its reshapes; freed when the last of them is disposed. A view (a range
 * of another tensor's memory, see `flatViews`) holds its parent instead: the parent is released with it.
 */
export class DataRef {
  refs = 1;
  constructor(
    readonly backend: Backend,
    readonly storage: Storage,
    readonly parent: DataRef | null = null,
    /** A view's offset in its parent, in elements of the parent's dtype (0 otherwise). */
    readonly offset = 0,
  ) {}
  retain(): this {
    this.refs++;
    return this;
  }
  release(): void {
    if (--this.refs !== 0) return;
    if (this.parent) this.parent.release();
    else this.backend.free(this.storage);
  }
}

let nextId = 0;

/**
 * An immutable n-d array on a device. Ops are plain functions (`add(a, b)`); reading values
 * (`await t.data()`) is the only synchronisation point.
 */
export class Tensor implements TensorRef {
  readonly id = nextId++;
  readonly size: number;
  #data: DataRef | null;

  constructor(
    data: DataRef,
    readonly shape: Shape,
    readonly dtype: DType,
  ) {
    this.#data = data;
    this.size = sizeOf(shape);
    trackCreated(this);
  }

  get device(): DeviceName {
    return this.dataRef.backend.name;
  }
  get rank(): number {
    return this.shape.length;
  }
  get disposed(): boolean {
    return this.#data === null;
  }
  /** @internal */
  get dataRef(): DataRef {
    if (this.#data === null) throw new TensorError('use', `tensor #${this.id} ${fmtShape(this.shape)} ${this.dtype} was disposed`);
    return this.#data;
  }
  get storage(): Storage {
    return this.dataRef.storage;
  }
  get bytes(): number {
    return this.dataRef.storage.bytes;
  }

  /** Copies the values to the host: Float32Array (f32, f16, bf16), Int32Array, Uint32Array, Uint8Array (bool). */
  data<D extends DType = DType>(): Promise<DataType<D>> {
    return this.dataRef.backend.read(this) as Promise<DataType<D>>;
  }

  /** The single value of a size-1 tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new TensorError('item', `needs a tensor of one element, got shape ${fmtShape(this.shape)}`);
    return (await this.data())[0]!;
  }

  /** Values as nested arrays, for printing and tests. */
  async array(): Promise<unknown> {
    const flat = Array.from(await this.data());
    if (this.shape.length === 0) return flat[0];
    const build = (dim: number, offset: number): unknown[] => {
      const n = this.shape[dim]!;
      if (dim === this.shape.length - 1) return flat.slice(offset, offset + n);
      const step = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: n }, (_, i) => build(dim + 1, offset + i * step));
    };
    return build(0, 0);
  }

  dispose(): void {
    if (this.#data === null) return;
    this.#data.release();
    this.#data = null;
    trackDisposed(this);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  toString(): string {
    return `Tensor(${fmtShape(this.shape)}, ${this.dtype}, ${this.disposed ? 'disposed' : this.device})`;
  }
}
