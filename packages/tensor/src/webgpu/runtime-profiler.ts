/// <reference types="@webgpu/types" />
/**
 * What the WebGPU runtime did while a profile was open: dispatches per kernel (pipeline key), their device time
 * from timestamp queries where the device has 'timestamp-query', buffer copies, readbacks, uploads and new
 * buffers. Timing puts each dispatch in its own compute pass (timestamps are per pass), which costs a little
 * on its own: profiled runs are slightly slower than plain ones.
 */

const QUERY_USAGE_RESOLVE = 0x0200; // GPUBufferUsage.QUERY_RESOLVE
const BUFFER_USAGE_COPY_SRC = 0x0004;
const BUFFER_USAGE_COPY_DST = 0x0008;
const BUFFER_USAGE_MAP_READ = 0x0001;
const MAP_MODE_READ = 0x0001;

export interface KernelProfile {
  /** Pipeline cache key (kernel name and specialisation). */
  readonly key: string;
  readonly dispatches: number;
  /** Summed device time in ms, or null without timestamp queries. */
  readonly ms: number | null;
}

export interface RuntimeProfile {
  readonly kernels: readonly KernelProfile[];
  readonly dispatches: number;
  /** Buffer-to-buffer copies recorded (outside readbacks). */
  readonly copies: number;
  readonly readbacks: number;
  readonly readBytes: number;
  readonly uploads: number;
  readonly uploadBytes: number;
  /** Buffers created (not taken from the pool) and their bytes. */
  readonly buffersCreated: number;
  readonly bytesAllocated: number;
  /** Whether `ms` comes from device timestamps. */
  readonly timestamps: boolean;
}

export class RuntimeProfiler {
  private readonly counts = new Map<string, number>();
  private readonly times = new Map<string, number>();
  copies = 0;
  readbacks = 0;
  readBytes = 0;
  uploads = 0;
  uploadBytes = 0;
  buffersCreated = 0;
  bytesAllocated = 0;
  private readonly querySet: GPUQuerySet | null;
  private readonly resolveBuffer: GPUBuffer | null;
  /** Kernel key of each timed pass of the batch being recorded (query pair i = 2i, 2i+1). */
  private slots: string[] = [];
  private readonly pending: Promise<void>[] = [];

  constructor(
    private readonly device: GPUDevice,
    /** Most timed passes per batch (the runtime flushes a batch at this many dispatches). */
    private readonly capacity: number,
  ) {
    const timed = device.features.has('timestamp-query');
    this.querySet = timed ? device.createQuerySet({ type: 'timestamp', count: 2 * capacity }) : null;
    this.resolveBuffer = timed ? device.createBuffer({ size: 16 * capacity, usage: QUERY_USAGE_RESOLVE | BUFFER_USAGE_COPY_SRC }) : null;
  }

  get timestamps(): boolean {
    return this.querySet !== null;
  }

  /** Counts a dispatch; returns the pass descriptor that times it (null when untimed or the batch is full). */
  dispatched(key: string): GPUComputePassDescriptor | null {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (!this.querySet || this.slots.length >= this.capacity) return null;
    const i = this.slots.length;
    this.slots.push(key);
    return { timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } };
  }

  /** Before the batch's encoder is finished: resolve its timestamps into a buffer the host can map. */
  resolve(encoder: GPUCommandEncoder): (() => void) | null {
    if (!this.querySet || !this.resolveBuffer || this.slots.length === 0) return null;
    const slots = this.slots;
    this.slots = [];
    const bytes = 16 * slots.length;
    encoder.resolveQuerySet(this.querySet, 0, 2 * slots.length, this.resolveBuffer, 0);
    const staging = this.device.createBuffer({ size: bytes, usage: BUFFER_USAGE_MAP_READ | BUFFER_USAGE_COPY_DST });
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, staging, 0, bytes);
    // Mapped after the submit (the caller runs this once the batch is submitted).
    return () => {
      this.pending.push(
        staging.mapAsync(MAP_MODE_READ, 0, bytes).then(() => {
          const t = new BigUint64Array(staging.getMappedRange(0, bytes).slice(0));
          slots.forEach((key, i) => {
            const ns = Number(t[2 * i + 1]! - t[2 * i]!);
            // A pass whose end precedes its begin (clock reset) counts as zero rather than as a huge number.
            this.times.set(key, (this.times.get(key) ?? 0) + Math.max(0, ns) / 1e6);
          });
          staging.unmap();
          staging.destroy();
        }),
      );
    };
  }

  /** Waits for every resolved batch and returns the totals, slowest kernels first. */
  async finish(): Promise<RuntimeProfile> {
    await Promise.all(this.pending);
    const kernels = [...this.counts].map(([key, dispatches]) => ({ key, dispatches, ms: this.querySet ? (this.times.get(key) ?? 0) : null }));
    kernels.sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0) || b.dispatches - a.dispatches);
    this.querySet?.destroy();
    this.resolveBuffer?.destroy();
    return {
      kernels,
      dispatches: kernels.reduce((s, k) => s + k.dispatches, 0),
      copies: this.copies,
      readbacks: this.readbacks,
      readBytes: this.readBytes,
      uploads: this.uploads,
      uploadBytes: this.uploadBytes,
      buffersCreated: this.buffersCreated,
      bytesAllocated: this.bytesAllocated,
      timestamps: this.timestamps,
    };
  }
}
