/// <reference types="@webgpu/types" />
/**
 * The WebGPU runtime under the kernels: one device, one pending command encoder, a size-bucketed
 * buffer pool, a pipeline cache, and per-batch uniform metadata.
 *
 * Execution model (onnxruntime-web / TVM style):
 * - Every kernel launch records a dispatch into the ONE pending command encoder (inside one open compute
 *   pass). Nothing is submitted until a readback, `sync()`, or the batch reaching `maxDispatchesPerBatch`.
 * - Kernel metadata (shapes, strides, scalars) is packed into a host-side arena and bound as a uniform at a
 *   256-byte-aligned offset of ONE per-batch uniform buffer; the arena is written with a single
 *   `queue.writeBuffer` right before the batch is submitted.
 * - Released buffers go back to the free list only once the submit that last used them has been made
 *   (queue order then guarantees that any later write or dispatch happens after those uses); until then they
 *   may only become outputs of later dispatches of the same batch (recording order protects those). Uploads write
 *   into buffers taken from the free list (never used by the pending batch), so `queue.writeBuffer` — which
 *   runs before not-yet-submitted commands — can never clobber data the pending batch still reads.
 */
import { CONSTS, FINITE_CONSTS, finiteSentinelsFromEnv } from './kernels/common.js';
import { RuntimeProfiler, type RuntimeProfile } from './runtime-profiler.js';

const BUFFER_USAGE_STORAGE = 0x0080; // GPUBufferUsage.STORAGE
const BUFFER_USAGE_COPY_SRC = 0x0004;
const BUFFER_USAGE_COPY_DST = 0x0008;
const BUFFER_USAGE_MAP_READ = 0x0001;
const BUFFER_USAGE_UNIFORM = 0x0040;
const MAP_MODE_READ = 0x0001;

/**
 * Device storage of one tensor. `buffer` is null for empty tensors. A view (`parent` set, see Runtime.view) is
 * a byte range of its parent's buffer that a kernel binds on its own: how tensors larger than one storage
 * binding are read and written in row blocks. A view is never released; its parent owns the buffer.
 */
export class GPUStorage {
  /** Batch id of the last pending batch that used this buffer (see Runtime.batchId). */
  lastUse = -1;
  freed = false;
  constructor(
    readonly buffer: GPUBuffer | null,
    /** Logical bytes (what memory() counts); for a view, the bytes it covers. */
    readonly bytes: number,
    /** Byte offset of a view in its parent's buffer (0 otherwise). */
    readonly offset = 0,
    readonly parent: GPUStorage | null = null,
  ) {}
}

/** Round a byte size up to its pool bucket: powers of two below 64 KiB, then 4 steps per octave (<= 25% waste). */
export function bucketSize(bytes: number): number {
  const n = Math.max(bytes, 16);
  if (n <= 65536) return 2 ** Math.ceil(Math.log2(n));
  const octave = 2 ** Math.floor(Math.log2(n));
  const step = octave / 4;
  return Math.ceil(n / step) * step;
}

export type BindingKind = 'read' | 'write';

export interface DispatchSpec {
  /** Pipeline cache key: kernel name + dtypes + rank + any specialisation. */
  key: string;
  /** WGSL generator, called only on a cache miss. */
  code: () => string;
  /** Buffers in binding order; the uniform metadata is bound after them. */
  bindings: { storage: GPUStorage; kind: BindingKind }[];
  /** u32 metadata words (the uniform). */
  meta: Uint32Array;
  /** Workgroup counts. */
  workgroups: [number, number, number];
}

const UNIFORM_ALIGN = 256;
const BATCH_UNIFORM_BYTES = 64 * 1024;

export interface RuntimeOptions {
  maxDispatchesPerBatch?: number;
  /**
   * How a readback waits for the GPU. 'poll': await the promise (dawn.node then spins the JS thread in its
   * event loop until the work is done, taking a core from a software driver's workers). 'sleep': between
   * short blocking sleeps (growing with the time already waited, at most 1 ms), let the event loop run once
   * so Dawn can notice completion. Default: 'sleep' in Node (dawn.node), 'poll' elsewhere (browsers do not spin).
   */
  waitMode?: 'poll' | 'sleep';
  /** Bytes of free buffers the pool keeps before destroying the oldest. */
  maxPoolBytes?: number;
  /**
   * The finite-sentinel build: every infinity the kernels would see becomes the largest finite f32 (uploads,
   * fills, and the kernels' own infinity constants), so results cannot depend on how a driver treats
   * infinities (WGSL allows fast-math assumptions). Default: MMADA_WGSL_FINITE_SENTINELS=1.
   */
  finiteSentinels?: boolean;
  /**
   * The largest storage binding the kernels may use, in bytes, if lower than the device's
   * maxStorageBufferBindingSize (default: MMADA_WEBGPU_MAX_BINDING_BYTES, else the device's limit). Tensors above
   * it are split into row blocks where an op knows how (embedding gathers, x · Wᵀ); lowering it lets a small
   * adapter test the paths that an 8B model's embedding and head take on a real one.
   */
  maxBindingBytes?: number;
  /** The adapter's subgroup sizes (GPUAdapterInfo.subgroupMinSize / subgroupMaxSize), where it has subgroups. */
  subgroupSizes?: readonly [number, number];
  /**
   * Lane sharing: where several lanes of a subgroup read the same elements, one lane fetches each and
   * `subgroupBroadcast` hands it to the others. GEMMs (matmul, matmulMany, conv2d and its gradients) share A among
   * the lanes holding the same rows of C (gemm.ts); attention shares the K and V rows of a tile (attention.ts). Only
   * where every subgroup is 8 lanes (lavapipe, which runs a subgroup as one SIMD program and a fetch as a gather);
   * there it is the default (where the device also lays subgroups out as blocks of 8 consecutive invocations:
   * subgroup-layout.ts), and false (or MMADA_LANE_SHARING=0) turns it off. GEMM and attention results are the same
   * either way; the row kernels' sums combine the same partial sums in the same order.
   */
  laneSharing?: boolean;
  /**
   * The most workgroups per grid dimension the kernels use, if lower than the device's
   * maxComputeWorkgroupsPerDimension: lowering it lets a test reach the paths that wrap a long grid onto another
   * dimension.
   */
  maxWorkgroupsPerDim?: number;
}

/**
 * Whether kernels share lanes (RuntimeOptions.laneSharing): only with subgroups that are always 8 lanes, and then
 * unless asked not to (`requested` false).
 */
export function laneSharingEnabled(hasSubgroups: boolean, sizes: readonly [number, number] | null, requested: boolean | undefined): boolean {
  return hasSubgroups && sizes?.[0] === 8 && sizes[1] === 8 && requested !== false;
}

/** MMADA_LANE_SHARING as a flag (see RuntimeOptions.laneSharing). */
export function laneSharingFromEnv(): boolean | undefined {
  return envFlag('MMADA_LANE_SHARING');
}

/** An environment flag: true for 1, false for 0, undefined when unset; anything else is an error naming it. */
function envFlag(name: string): boolean | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const text = p?.env?.[name];
  if (text === undefined || text === '') return undefined;
  if (text !== '0' && text !== '1') throw new Error(`${name}: expected 0 or 1, got ${JSON.stringify(text)}`);
  return text === '1';
}

/** MMADA_WEBGPU_MAX_BINDING_BYTES as a number of bytes, or undefined when unset; a bad value is an error naming it. */
export function maxBindingBytesFromEnv(): number | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const text = p?.env?.MMADA_WEBGPU_MAX_BINDING_BYTES;
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1024) {
    throw new Error(`MMADA_WEBGPU_MAX_BINDING_BYTES: expected an integer number of bytes ≥ 1024, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** The largest finite f32. */
const F32_MAX_VALUE = 3.4028234663852886e38;

export class Runtime {
  readonly maxDispatchesPerBatch: number;
  readonly maxPoolBytes: number;
  readonly maxWorkgroupsPerDim: number;
  readonly hasF16: boolean;
  readonly hasSubgroups: boolean;
  /** The adapter's subgroup sizes [min, max] (RuntimeOptions.subgroupSizes), or null where unknown. */
  readonly subgroupSizes: readonly [number, number] | null;
  /** Whether kernels fetch shared operands once per subgroup and broadcast them (RuntimeOptions.laneSharing). */
  readonly laneSharing: boolean;
  /** Largest storage binding the kernels use (a multiple of 4; see RuntimeOptions.maxBindingBytes). */
  readonly maxBindingBytes: number;
  /** Offset alignment of a storage binding (minStorageBufferOffsetAlignment): views start at multiples of it. */
  readonly bindingAlignment: number;
  /** See RuntimeOptions.finiteSentinels. Fixed for the runtime's life (pipelines are cached with it). */
  readonly finiteSentinels: boolean;
  /** A host scalar as the kernels may see it: +-Infinity become +-F32_MAX in the finite-sentinel build. */
  sentinel(value: number): number {
    if (!this.finiteSentinels || Number.isFinite(value) || Number.isNaN(value)) return value;
    return value > 0 ? F32_MAX_VALUE : -F32_MAX_VALUE;
  }
  /** See RuntimeOptions.waitMode; may be changed at any time (benchmarks compare both). */
  waitMode: 'poll' | 'sleep';

  /** Id of the batch being recorded. Batches < batchId are submitted. */
  batchId = 0;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatches = 0;

  private readonly pipelines = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>();
  private readonly free = new Map<number, GPUBuffer[]>();
  private freeBytes = 0;
  /** Buffers released while the pending batch still uses them, by size: reusable by later dispatches of the batch. */
  private readonly pendingFree = new Map<number, GPUBuffer[]>();

  private readonly uniformFree: GPUBuffer[] = [];
  private uniformBuffer: GPUBuffer | null = null;
  private readonly uniformArena = new Uint8Array(BATCH_UNIFORM_BYTES);
  private uniformUsed = 0;
  private uniformPending: GPUBuffer[] = [];

  private error: Error | null = null;
  /** Open profile (see startProfile), or null. */
  private profiler: RuntimeProfiler | null = null;
  /** Live (allocated, not destroyed) buffer bytes including the pool, for diagnostics. */
  allocatedBytes = 0;

  constructor(
    readonly device: GPUDevice,
    options: RuntimeOptions = {},
  ) {
    this.maxDispatchesPerBatch = options.maxDispatchesPerBatch ?? 64;
    this.maxPoolBytes = options.maxPoolBytes ?? 512 * 1024 * 1024;
    this.maxWorkgroupsPerDim = Math.min(device.limits.maxComputeWorkgroupsPerDimension, options.maxWorkgroupsPerDim ?? Infinity);
    this.hasF16 = device.features.has('shader-f16');
    this.hasSubgroups = device.features.has('subgroups');
    this.subgroupSizes = options.subgroupSizes ?? null;
    this.laneSharing = laneSharingEnabled(this.hasSubgroups, options.subgroupSizes ?? null, options.laneSharing ?? laneSharingFromEnv());
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, options.maxBindingBytes ?? maxBindingBytesFromEnv() ?? Infinity);
    this.maxBindingBytes = Math.floor(limit / 4) * 4;
    this.bindingAlignment = device.limits.minStorageBufferOffsetAlignment;
    this.waitMode = options.waitMode ?? (canSleep() ? 'sleep' : 'poll');
    this.finiteSentinels = options.finiteSentinels ?? finiteSentinelsFromEnv();
    device.addEventListener?.('uncapturederror', (ev: Event) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      const err = new Error(`WebGPU error: ${e?.message ?? String(e)}`);
      if (!this.error) this.error = err;
      console.error(err.message);
    });
    void device.lost.then((info) => {
      if (info.reason !== 'destroyed' && !this.error) this.error = new Error(`WebGPU device lost: ${info.message}`);
    });
  }

  private throwIfFailed(): void {
    if (this.error) {
      const e = this.error;
      this.error = null;
      throw e;
    }
  }

  // ---------------------------------------------------------------- buffers
  /**
   * A storage buffer of at least `bytes` bytes (usable as STORAGE, COPY_SRC, COPY_DST), for a kernel to write.
   * It may be a buffer released while the pending batch still uses it: commands run in recording order (Dawn
   * puts a barrier between dispatches that touch the same buffer), so a later dispatch may overwrite it. Reusing
   * it keeps the working set small and hot in the CPU caches a software driver runs on, and avoids new buffers
   * (which Dawn must zero). Uploads never take such a buffer (see `upload`).
   */
  createStorage(bytes: number): GPUStorage {
    if (bytes <= 0) return new GPUStorage(null, 0);
    const size = bucketSize(Math.ceil(bytes / 4) * 4);
    const recycled = this.pendingFree.get(size)?.pop();
    if (recycled) {
      const s = new GPUStorage(recycled, bytes);
      s.lastUse = this.batchId; // earlier commands of the pending batch may still use it
      return s;
    }
    return this.createSettledStorage(bytes, size);
  }

  /** A buffer that no recorded-but-unsubmitted command uses. */
  private createSettledStorage(bytes: number, size: number): GPUStorage {
    const list = this.free.get(size);
    let buffer = list?.pop();
    if (buffer) {
      this.freeBytes -= size;
    } else {
      if (size > this.device.limits.maxBufferSize) {
        throw new Error(`webgpu: a buffer of ${size} bytes exceeds this device's maxBufferSize (${this.device.limits.maxBufferSize})`);
      }
      buffer = this.device.createBuffer({ size, usage: BUFFER_USAGE_STORAGE | BUFFER_USAGE_COPY_SRC | BUFFER_USAGE_COPY_DST });
      this.allocatedBytes += size;
      if (this.profiler) {
        this.profiler.buffersCreated++;
        this.profiler.bytesAllocated += size;
      }
    }
    return new GPUStorage(buffer, bytes);
  }

  /**
   * `bytes` bytes of `storage` from byte `offset`, bound on their own by the kernels that split large tensors.
   * The offset must be a multiple of bindingAlignment and the range must lie inside the storage.
   */
  view(storage: GPUStorage, offset: number, bytes: number): GPUStorage {
    if (storage.parent) return this.view(storage.parent, storage.offset + offset, bytes);
    if (offset % this.bindingAlignment !== 0 || offset < 0 || bytes <= 0 || offset + bytes > storage.bytes) {
      throw new Error(`webgpu: a view of ${bytes} bytes at ${offset} of a ${storage.bytes}-byte storage (offsets are multiples of ${this.bindingAlignment})`);
    }
    return new GPUStorage(storage.buffer, bytes, offset, storage);
  }

  /** Bytes a dispatch binds for a storage: the whole buffer when that fits one binding, else its logical bytes. */
  private boundBytes(s: GPUStorage): number {
    if (!s.parent && s.buffer!.size <= this.maxBindingBytes) return s.buffer!.size;
    return Math.ceil(s.bytes / 4) * 4;
  }

  release(storage: GPUStorage): void {
    if (storage.parent) return; // the parent owns the buffer
    if (storage.freed || !storage.buffer) {
      storage.freed = true;
      return;
    }
    storage.freed = true;
    if (storage.lastUse >= this.batchId) {
      let list = this.pendingFree.get(storage.buffer.size);
      if (!list) this.pendingFree.set(storage.buffer.size, (list = []));
      list.push(storage.buffer);
    } else this.returnToPool(storage.buffer);
  }

  private returnToPool(buffer: GPUBuffer): void {
    const size = buffer.size;
    if (this.freeBytes + size > this.maxPoolBytes) {
      buffer.destroy();
      this.allocatedBytes -= size;
      return;
    }
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
    this.freeBytes += size;
  }

  /** Copies host bytes into a new storage. The buffer comes from the free list, so no pending command uses it. */
  upload(bytes: Uint8Array, logicalBytes: number): GPUStorage {
    if (logicalBytes <= 0) return new GPUStorage(null, 0);
    const storage = this.createSettledStorage(logicalBytes, bucketSize(Math.ceil(logicalBytes / 4) * 4));
    if (this.profiler) {
      this.profiler.uploads++;
      this.profiler.uploadBytes += logicalBytes;
    }
    if (!storage.buffer || bytes.byteLength === 0) return storage;
    let data = bytes;
    if (data.byteLength % 4 !== 0) {
      data = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
      data.set(bytes);
    }
    this.device.queue.writeBuffer(storage.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return storage;
  }

  private dummyBuffer: GPUBuffer | null = null;
  private dummy(): GPUBuffer {
    if (!this.dummyBuffer) this.dummyBuffer = this.device.createBuffer({ size: 16, usage: BUFFER_USAGE_STORAGE });
    return this.dummyBuffer;
  }

  // ---------------------------------------------------------------- pipelines
  private getPipeline(spec: DispatchSpec): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout } {
    const kinds = spec.bindings.map((b) => (b.kind === 'read' ? 'r' : 'w')).join('');
    const key = `${spec.key}|${kinds}|m${Math.ceil(spec.meta.length / 4)}`;
    let entry = this.pipelines.get(key);
    if (entry) return entry;
    const entries: GPUBindGroupLayoutEntry[] = spec.bindings.map((b, i) => ({
      binding: i,
      visibility: 4 /* GPUShaderStage.COMPUTE */,
      buffer: { type: b.kind === 'read' ? 'read-only-storage' : 'storage' },
    }));
    entries.push({ binding: spec.bindings.length, visibility: 4, buffer: { type: 'uniform' } });
    const layout = this.device.createBindGroupLayout({ entries });
    const code = this.finiteSentinels ? spec.code().replace(CONSTS, FINITE_CONSTS) : spec.code();
    const module = this.device.createShaderModule({ code });
    const pipeline = this.device.createComputePipeline({
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
    entry = { pipeline, layout };
    this.pipelines.set(key, entry);
    return entry;
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  // ---------------------------------------------------------------- recording
  private ensureEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    return this.encoder;
  }

  private ensurePass(): GPUComputePassEncoder {
    if (!this.pass) this.pass = this.ensureEncoder().beginComputePass();
    return this.pass;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** Records one dispatch into the pending batch. Workgroup counts of 0 record nothing. */
  dispatch(spec: DispatchSpec): void {
    const [x, y, z] = spec.workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    if (x > this.maxWorkgroupsPerDim || y > this.maxWorkgroupsPerDim || z > this.maxWorkgroupsPerDim) {
      throw new Error(`webgpu: dispatch ${spec.key} of [${x}, ${y}, ${z}] workgroups exceeds ${this.maxWorkgroupsPerDim} per dimension`);
    }
    const metaBytes = Math.max(16, Math.ceil(spec.meta.length / 4) * 16);
    if (this.uniformUsed + metaBytes > BATCH_UNIFORM_BYTES) this.flush();
    const { pipeline, layout } = this.getPipeline(spec);
    if (!this.uniformBuffer) {
      this.uniformBuffer =
        this.uniformFree.pop() ??
        this.device.createBuffer({ size: BATCH_UNIFORM_BYTES, usage: BUFFER_USAGE_UNIFORM | BUFFER_USAGE_COPY_DST });
    }
    const offset = this.uniformUsed;
    new Uint32Array(this.uniformArena.buffer, offset, spec.meta.length).set(spec.meta);
    this.uniformUsed = offset + Math.ceil(metaBytes / UNIFORM_ALIGN) * UNIFORM_ALIGN;

    const entries: GPUBindGroupEntry[] = spec.bindings.map((b, i) => {
      // An empty input (e.g. a reduction or matmul over a zero-length axis) is never read: bind a dummy.
      if (!b.storage.buffer && b.kind === 'read') return { binding: i, resource: { buffer: this.dummy() } };
      const s = b.storage;
      if (!s.buffer) throw new Error(`webgpu: ${spec.key} got an empty buffer in binding ${i}`);
      if (s.freed || s.parent?.freed) throw new Error(`webgpu: ${spec.key} uses a freed buffer in binding ${i}`);
      const size = this.boundBytes(s);
      if (size > this.maxBindingBytes) {
        throw new Error(
          `webgpu: ${spec.key} would bind ${size} bytes in binding ${i}, over the ${this.maxBindingBytes}-byte storage binding limit ` +
            '(maxStorageBufferBindingSize or MMADA_WEBGPU_MAX_BINDING_BYTES); only embedding gathers and x · Wᵀ matmuls split larger tensors into row blocks',
        );
      }
      s.lastUse = this.batchId;
      if (s.parent) s.parent.lastUse = this.batchId;
      return { binding: i, resource: size === s.buffer.size ? { buffer: s.buffer } : { buffer: s.buffer, offset: s.offset, size } };
    });
    entries.push({ binding: spec.bindings.length, resource: { buffer: this.uniformBuffer, offset, size: metaBytes } });
    const bindGroup = this.device.createBindGroup({ layout, entries });
    // A profiled dispatch gets a pass of its own, timed by the pass's timestamp writes.
    const timed = this.profiler?.dispatched(spec.key) ?? null;
    if (timed) this.endPass();
    const pass = timed ? this.ensureEncoder().beginComputePass(timed) : this.ensurePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    if (timed) pass.end();
    this.dispatches++;
    if (this.dispatches >= this.maxDispatchesPerBatch) this.flush();
  }

  /** Records a buffer-to-buffer copy into the pending batch. */
  copy(src: GPUStorage, dst: GPUStorage, bytes: number): void {
    if (!src.buffer || !dst.buffer || bytes === 0) return;
    this.endPass();
    for (const s of [src, dst]) {
      s.lastUse = this.batchId;
      if (s.parent) s.parent.lastUse = this.batchId;
    }
    if (this.profiler) this.profiler.copies++;
    this.ensureEncoder().copyBufferToBuffer(src.buffer, src.offset, dst.buffer, dst.offset, Math.ceil(bytes / 4) * 4);
  }

  /** Submits the pending batch (if any) and recycles what it released. */
  flush(): void {
    this.endPass();
    if (this.uniformBuffer && this.uniformUsed > 0) {
      this.device.queue.writeBuffer(this.uniformBuffer, 0, this.uniformArena.buffer, 0, this.uniformUsed);
    }
    if (this.encoder) {
      const afterSubmit = this.profiler?.resolve(this.encoder);
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
      afterSubmit?.();
    }
    if (this.uniformBuffer) {
      this.uniformPending.push(this.uniformBuffer);
      this.uniformBuffer = null;
    }
    this.uniformUsed = 0;
    this.dispatches = 0;
    this.batchId++;
    for (const list of this.pendingFree.values()) for (const b of list) this.returnToPool(b);
    this.pendingFree.clear();
    // Uniform buffers of submitted batches may be rewritten now: queue order puts the next write after them.
    for (const u of this.uniformPending) this.uniformFree.push(u);
    this.uniformPending = [];
  }

  /** Copies `bytes` bytes of a storage to the host: one copy into a staging buffer, one submit, one await. */
  async readBytes(storage: GPUStorage, bytes: number): Promise<ArrayBuffer> {
    this.throwIfFailed();
    if (!storage.buffer || bytes === 0) return new ArrayBuffer(0);
    if (storage.freed || storage.parent?.freed) throw new Error('webgpu: reading a freed buffer');
    const size = Math.ceil(bytes / 4) * 4;
    if (this.profiler) {
      this.profiler.readbacks++;
      this.profiler.readBytes += bytes;
    }
    const staging = this.device.createBuffer({ size, usage: BUFFER_USAGE_MAP_READ | BUFFER_USAGE_COPY_DST });
    this.endPass();
    storage.lastUse = this.batchId;
    if (storage.parent) storage.parent.lastUse = this.batchId;
    this.ensureEncoder().copyBufferToBuffer(storage.buffer, storage.offset, staging, 0, size);
    this.flush();
    try {
      // dawn.node busy-polls while this promise is pending, so exactly one await per readback.
      await this.wait(staging.mapAsync(MAP_MODE_READ, 0, size));
      const out = staging.getMappedRange(0, size).slice(0, bytes);
      staging.unmap();
      return out;
    } finally {
      staging.destroy();
      this.throwIfFailed();
    }
  }

  /** Opens a profile: from now on dispatches, copies, readbacks, uploads and new buffers are counted. */
  startProfile(): void {
    if (this.profiler) throw new Error('webgpu: a profile is already open');
    this.flush(); // earlier work is not the profile's
    this.profiler = new RuntimeProfiler(this.device, this.maxDispatchesPerBatch);
  }

  /** Closes the profile opened by startProfile and returns what happened since (waits for the GPU). */
  async stopProfile(): Promise<RuntimeProfile> {
    const p = this.profiler;
    if (!p) throw new Error('webgpu: no profile is open');
    this.flush();
    this.profiler = null;
    const report = await this.wait(p.finish());
    this.throwIfFailed();
    return report;
  }

  async sync(): Promise<void> {
    this.flush();
    await this.wait(this.device.queue.onSubmittedWorkDone());
    this.throwIfFailed();
  }

  /** Waits for a GPU promise as `waitMode` says (see RuntimeOptions.waitMode). */
  private async wait<T>(p: Promise<T>): Promise<T> {
    if (this.waitMode === 'poll') return p;
    this.pendingWaits++;
    const settle = (): void => {
      this.pendingWaits--;
    };
    p.then(settle, settle);
    // One sleeper throttles the event loop for all concurrent waits (several sleepers would add up their sleeps).
    if (!this.sleeping) {
      this.sleeping = true;
      void this.sleepWhileWaiting();
    }
    return p;
  }

  private pendingWaits = 0;
  private sleeping = false;

  private async sleepWhileWaiting(): Promise<void> {
    const t0 = performance.now();
    await yieldToEventLoop();
    while (this.pendingWaits > 0) {
      const waited = performance.now() - t0;
      sleepSync(Math.min(1, Math.max(0.05, waited / 8)));
      await yieldToEventLoop();
    }
    this.sleeping = false; // synchronously after the last check: a later wait() starts a new sleeper
  }

  /** Workgroup grid for `groups` workgroups: 2-D when they exceed the per-dimension limit (kernels linearise). */
  grid(groups: number): [number, number, number] {
    if (groups <= this.maxWorkgroupsPerDim) return [groups, 1, 1];
    const y = Math.ceil(groups / this.maxWorkgroupsPerDim);
    const x = Math.ceil(groups / y);
    return [x, y, 1];
  }

  destroy(): void {
    this.flush();
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    for (const u of this.uniformFree) u.destroy();
    this.device.destroy();
  }
}

const sleepCell = typeof SharedArrayBuffer === 'function' ? new Int32Array(new SharedArrayBuffer(4)) : null;

/** A blocking sleep (Atomics.wait), possible in Node's main thread and in workers, not in a browser's main thread. */
function canSleep(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return !!p?.versions?.node && sleepCell !== null;
}

function sleepSync(ms: number): void {
  Atomics.wait(sleepCell!, 0, 0, ms);
}

/** One macrotask turn (setImmediate in Node): lets dawn.node process its GPU events. */
function yieldToEventLoop(): Promise<void> {
  const si = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (si ? si(resolve) : setTimeout(resolve, 0)));
}
