/// <reference types="@webgpu/types" />
import type { Backend, KernelTable, OutSpec, Storage, TensorRef } from '../backend.js';
import type { DType, DataType, TypedArray } from '../dtype.js';
import type { PrimitiveParams } from '../primitives.js';
import { halfBitsToF32, isHalf, type HalfDType } from '../dtype.js';
import { Runtime, GPUStorage, laneSharingEnabled, laneSharingFromEnv, type RuntimeOptions } from './runtime.js';
import { probeEightLaneBlocks } from './subgroup-layout.js';
import type { RuntimeProfile } from './runtime-profiler.js';
import { deviceBytes } from './kernels/common.js';
import { binary, cast, unary, where } from './kernels/elementwise.js';
import { argReduce, reduce } from './kernels/reduce.js';
import { matmul } from './kernels/matmul.js';
import { matmulF16Weight } from './kernels/matmul-f16.js';
import { matmulMany, matmulManyFusable } from './kernels/matmul-many.js';
import { broadcastTo, concat, pad, slice, transpose } from './kernels/layout.js';
import { gather, putAlongAxis, takeAlongAxis } from './kernels/indexing.js';
import { gatherRowBlocks, matmulRowBlocks, overBinding } from './kernels/row-blocks.js';
import { sortRows } from './kernels/sort.js';
import { randomBits } from './kernels/random.js';
import { arange, fill } from './kernels/creation.js';
import { makeNNKernels } from './kernels/nn-table.js';
import { makeNNBackwardKernels } from './kernels/backward-table.js';
import { adamUpdate, packFlat, sumOfSquares } from './kernels/optimizer.js';

export interface WebGPUBackendOptions extends RuntimeOptions {
  /** A GPU object (e.g. `navigator.gpu`, or `create([...])` from the `webgpu` package). */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
  adapterOptions?: GPURequestAdapterOptions;
  /** Dawn options for `create()` in Node (e.g. ['backend=vulkan']); MMADA_WEBGPU_BACKEND adds 'backend=…'. */
  dawnOptions?: string[];
}

export interface WebGPUBackend extends Backend {
  readonly runtime: Runtime;
  readonly device: GPUDevice;
  readonly adapterInfo: string;
  /** Destroys the device; the backend must not be used afterwards. */
  destroy(): void;
}

const NO_ADAPTER_HELP =
  'No WebGPU adapter was found. Install a GPU driver with Vulkan/Metal/D3D12 support, or on Debian/Ubuntu run ' +
  '`bash scripts/setup-webgpu.sh` (installs Mesa lavapipe, a software Vulkan driver), or use the cpu device ' +
  '(MMADA_DEVICE=cpu / init({ device: "cpu" })).';

function env(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env?.[name];
}

async function nodeGPU(extra: string[]): Promise<GPU> {
  let mod: { create: (options: string[]) => GPU; globals: object };
  try {
    mod = (await import(/* @vite-ignore */ 'webgpu' as string)) as typeof mod;
  } catch (e) {
    throw new Error(`webgpu: the 'webgpu' npm package is not installed (npm i webgpu@0.6.2): ${(e as Error).message}. ${NO_ADAPTER_HELP}`);
  }
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in g)) g[k] = v;
  const options = [...extra];
  const backend = env('MMADA_WEBGPU_BACKEND');
  if (backend) options.push(`backend=${backend}`);
  return mod.create(options);
}

export async function createWebGPUBackend(options: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  let gpu = options.gpu;
  if (!gpu) {
    const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
    gpu = nav?.gpu ?? (await nodeGPU(options.dawnOptions ?? []));
  }
  const adapter = await gpu.requestAdapter({
    ...options.adapterOptions,
    ...(options.powerPreference ? { powerPreference: options.powerPreference } : {}),
  });
  if (!adapter) throw new Error(`webgpu: ${NO_ADAPTER_HELP}`);
  const requiredFeatures: GPUFeatureName[] = [];
  // timestamp-query only serves `profile` (per-kernel device time); it costs nothing while no profile is open.
  for (const f of ['shader-f16', 'subgroups', 'timestamp-query'] as GPUFeatureName[]) if (adapter.features.has(f)) requiredFeatures.push(f);
  const requiredLimits: Record<string, number> = {};
  for (const k of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxStorageBuffersPerShaderStage'] as const) {
    requiredLimits[k] = adapter.limits[k];
  }
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  const info = adapter.info;
  const adapterInfo = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' / ');
  // Keep the GPU and adapter reachable for the device's lifetime: in dawn.node a collected GPU object tears
  // down the native instance under a live device (crashes at random GC points).
  const wait = env('MMADA_WEBGPU_WAIT');
  const sizes = info as { subgroupMinSize?: number; subgroupMaxSize?: number } | undefined;
  const subgroupSizes = options.subgroupSizes ?? (sizes?.subgroupMinSize && sizes.subgroupMaxSize ? ([sizes.subgroupMinSize, sizes.subgroupMaxSize] as const) : undefined);
  // lane sharing also needs subgroups to be blocks of 8 consecutive invocations: asked of the device once
  const laneSharingWanted = laneSharingEnabled(device.features.has('subgroups'), subgroupSizes ?? null, options.laneSharing ?? laneSharingFromEnv());
  const runtimeOptions: RuntimeOptions = {
    ...options,
    ...(wait === 'poll' || wait === 'sleep' ? { waitMode: options.waitMode ?? wait } : {}),
    ...(subgroupSizes ? { subgroupSizes } : {}),
    ...(laneSharingWanted && !(await probeEightLaneBlocks(device)) ? { laneSharing: false } : {}),
  };
  return new WebGPUBackendImpl(new Runtime(device, runtimeOptions), adapterInfo, [gpu, adapter]);
}

type Gpu = GPUStorage;

/**
 * The finite-sentinel build's upload: a copy of f32 / f16 / bf16 data with +-Infinity replaced by the largest
 * finite value of the dtype (F32_MAX, 65504 for f16, 0x7f7f for bf16, which the shaders widen exactly), or null
 * when there is none.
 */
function finiteCopy(data: TypedArray, dtype: 'f32' | HalfDType): Uint8Array | null {
  if (dtype === 'f32') {
    const f = data as Float32Array;
    let out: Float32Array | null = null;
    for (let i = 0; i < f.length; i++) {
      const v = f[i]!;
      if (v === Infinity || v === -Infinity) {
        out ??= Float32Array.from(f);
        out[i] = v > 0 ? 3.4028234663852886e38 : -3.4028234663852886e38;
      }
    }
    return out && new Uint8Array(out.buffer);
  }
  const h = data as Uint16Array;
  const [inf, max] = dtype === 'f16' ? [0x7c00, 0x7bff] : [0x7f80, 0x7f7f];
  let out: Uint16Array | null = null;
  for (let i = 0; i < h.length; i++) {
    const b = h[i]!;
    if ((b & 0x7fff) === inf) {
      out ??= Uint16Array.from(h);
      out[i] = (b & 0x8000) | max;
    }
  }
  return out && new Uint8Array(out.buffer, 0, out.byteLength);
}

class WebGPUBackendImpl implements WebGPUBackend {
  readonly name = 'webgpu' as const;
  readonly kernels: KernelTable;
  readonly device: GPUDevice;

  constructor(
    readonly runtime: Runtime,
    readonly adapterInfo: string,
    private readonly keepAlive: unknown[],
  ) {
    this.device = runtime.device;
    this.kernels = makeKernels(runtime);
  }

  upload(data: TypedArray, dtype: DType): Storage {
    const n = data.length;
    let bytes: Uint8Array;
    if (dtype === 'bool') {
      const words = new Uint32Array(n);
      for (let i = 0; i < n; i++) words[i] = data[i] ? 1 : 0;
      bytes = new Uint8Array(words.buffer);
    } else {
      bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (this.runtime.finiteSentinels && (dtype === 'f32' || isHalf(dtype))) bytes = finiteCopy(data, dtype) ?? bytes;
    }
    return this.runtime.upload(bytes, deviceBytes(dtype, n));
  }

  async read(ref: TensorRef): Promise<DataType> {
    const n = ref.size;
    const buf = await this.runtime.readBytes(ref.storage as Gpu, dtypeReadBytes(ref.dtype, n));
    switch (ref.dtype) {
      case 'f32':
        return new Float32Array(buf, 0, n);
      case 'i32':
        return new Int32Array(buf, 0, n);
      case 'u32':
        return new Uint32Array(buf, 0, n);
      case 'bool': {
        const w = new Uint32Array(buf, 0, n);
        const out = new Uint8Array(n);
        for (let i = 0; i < n; i++) out[i] = w[i] ? 1 : 0;
        return out;
      }
      case 'f16':
      case 'bf16': {
        const dtype = ref.dtype;
        const h = new Uint16Array(buf, 0, n);
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = halfBitsToF32(dtype, h[i]!);
        return out;
      }
    }
  }

  view(storage: Storage, byteOffset: number, bytes: number): Storage {
    return this.runtime.view(storage as Gpu, byteOffset, bytes);
  }

  free(storage: Storage): void {
    this.runtime.release(storage as Gpu);
  }

  sync(): Promise<void> {
    return this.runtime.sync();
  }

  startProfile(): void {
    this.runtime.startProfile();
  }

  stopProfile(): Promise<RuntimeProfile> {
    return this.runtime.stopProfile();
  }

  destroy(): void {
    this.runtime.destroy();
  }
}

function dtypeReadBytes(dtype: DType, n: number): number {
  return isHalf(dtype) ? n * 2 : n * 4;
}

/**
 * Runs `f` with every f16 / bf16 input cast to f32 and casts the listed half outputs back: the kernels that
 * compute in f32 only see 32-bit dtypes. Temporaries are released (deferred until their batch is submitted).
 */
function viaF32(rt: Runtime, inputs: TensorRef[], outs: OutSpec[], f: (inputs: TensorRef[], outs: OutSpec[]) => Gpu[]): Gpu[] {
  if (!inputs.some((x) => isHalf(x.dtype)) && !outs.some((o) => isHalf(o.dtype))) return f(inputs, outs);
  const temps: Gpu[] = [];
  const ins = inputs.map((x) => {
    if (!isHalf(x.dtype)) return x;
    const s = cast(rt, x, 'f32');
    temps.push(s);
    return { ...x, storage: s, dtype: 'f32' as DType };
  });
  const o32 = outs.map((o) => (isHalf(o.dtype) ? { ...o, dtype: 'f32' as DType } : o));
  const res = f(ins, o32);
  const final = res.map((s, i) => {
    const od = outs[i]!.dtype;
    if (!isHalf(od)) return s;
    const size = outs[i]!.shape.reduce((p, d) => p * d, 1);
    const h = cast(rt, { storage: s, shape: outs[i]!.shape, dtype: 'f32', size }, od);
    temps.push(s);
    return h;
  });
  for (const t of temps) rt.release(t);
  return final;
}

function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** One matmul: an f16 / bf16 weight is read in place (never copied to f32); other dtypes compute in f32. */
function matmulOne(rt: Runtime, a: TensorRef, b: TensorRef, transA: boolean, transB: boolean, o: OutSpec): Gpu {
  if (a.dtype === 'f32' && b.dtype === 'f16' && o.dtype === 'f32') return matmulF16Weight(rt, a, b, transA, transB, o);
  if (a.dtype === 'f32' && b.dtype === 'bf16' && o.dtype === 'f32') return matmul(rt, a, b, transA, transB, o);
  return viaF32(rt, [a, b], [o], ([x, w], [out]) => [matmul(rt, x!, w!, transA, transB, out!)])[0]!;
}

/**
 * matmul, with x · Wᵀ split into row blocks of W (and of x and the output) when any of them exceeds one storage
 * binding: an 8B model's LM head. Other layouts over the limit are an error naming the limit.
 */
function matmulSplitting(rt: Runtime, a: TensorRef, b: TensorRef, transA: boolean, transB: boolean, o: OutSpec): Gpu {
  const big = overBinding(rt, a.dtype, a.size) || overBinding(rt, b.dtype, b.size) || overBinding(rt, o.dtype, sizeOfShape(o.shape));
  if (!big) return matmulOne(rt, a, b, transA, transB, o);
  const bBatch = sizeOfShape(b.shape.slice(0, -2));
  if (transA || !transB || bBatch !== 1 || a.dtype !== 'f32') {
    throw new Error(
      `webgpu matmul: [${a.shape.join(', ')}]${transA ? 'ᵀ' : ''} x [${b.shape.join(', ')}]${transB ? 'ᵀ' : ''} exceeds the ${rt.maxBindingBytes}-byte storage ` +
        'binding limit; only f32 x · Wᵀ with an unbatched W is split into row blocks',
    );
  }
  // the GEMM reads f16 / bf16 halves in place; any other W is widened per block (4 bytes an element)
  const bBytes = isHalf(b.dtype) ? 2 : 4;
  return matmulRowBlocks(rt, a, b, o, bBytes, (x, w, out) => matmulOne(rt, x, w, false, true, out));
}

/** a·b + c: the addend in the GEMM's store where the plain f32 / bf16 kernel runs unsplit, else an add after it. */
function matmulAdding(rt: Runtime, a: TensorRef, b: TensorRef, c: TensorRef, transA: boolean, transB: boolean, o: OutSpec): Gpu {
  const big = overBinding(rt, a.dtype, a.size) || overBinding(rt, b.dtype, b.size) || overBinding(rt, o.dtype, sizeOfShape(o.shape));
  if (!big && a.dtype === 'f32' && (b.dtype === 'f32' || b.dtype === 'bf16') && c.dtype === 'f32') return matmul(rt, a, b, transA, transB, o, c);
  const y = matmulSplitting(rt, a, b, transA, transB, o);
  const sum = binary(rt, { storage: y, shape: o.shape, dtype: 'f32', size: sizeOfShape(o.shape) }, c, 'add', o);
  rt.release(y);
  return sum;
}

/**
 * matmulMany: one grouped GEMM where the shapes allow (matmul-many.ts), else the same products as single matmuls
 * (a sum's partial results carried as the next product's addend).
 */
function matmulManyOrSingles(rt: Runtime, inputs: TensorRef[], p: PrimitiveParams['matmulMany'], outs: OutSpec[]): Gpu[] {
  if (matmulManyFusable(inputs, p, outs, (t) => !overBinding(rt, 'f32', t.size))) return matmulMany(rt, inputs, p, outs);
  const { group, count: n, transA, transB } = p;
  const left = (i: number) => inputs[group === 'sharedA' ? 0 : i]!;
  const right = (i: number) => inputs[group === 'sharedA' ? 1 + i : group === 'sharedB' ? n : n + i]!;
  if (group !== 'sum') return outs.map((o, i) => matmulSplitting(rt, left(i), right(i), transA, transB, o));
  const o = outs[0]!;
  let y: Gpu | null = null;
  let carried: TensorRef | null = p.hasAddend ? inputs[2 * n]! : null;
  for (let i = 0; i < n; i++) {
    const next: Gpu = carried ? matmulAdding(rt, left(i), right(i), carried, transA, transB, o) : matmulSplitting(rt, left(i), right(i), transA, transB, o);
    if (y) rt.release(y);
    y = next;
    carried = { storage: y, shape: o.shape, dtype: 'f32', size: sizeOfShape(o.shape) };
  }
  return [y!];
}

function makeKernels(rt: Runtime): KernelTable {
  return {
    unary: (inputs, { op }, outs) => viaF32(rt, inputs, outs, ([x], [o]) => [unary(rt, x!, op, o!)]),
    binary: (inputs, { op }, outs) => viaF32(rt, inputs, outs, ([a, b], [o]) => [binary(rt, a!, b!, op, o!)]),
    where: (inputs, _p, outs) => viaF32(rt, inputs, outs, ([c, a, b], [o]) => [where(rt, c!, a!, b!, o!)]),
    cast: ([x], { dtype }) => [cast(rt, x!, dtype)],
    reduce: (inputs, { op, axes }, outs) => viaF32(rt, inputs, outs, ([x], [o]) => [reduce(rt, x!, op, axes, o!)]),
    argReduce: (inputs, { op, axis }, outs) => viaF32(rt, inputs, outs, ([x], [o]) => [argReduce(rt, x!, op, axis, o!)]),
    matmul: ([a, b, c], { transA, transB, hasAddend }, [o]) => [hasAddend ? matmulAdding(rt, a!, b!, c!, transA, transB, o!) : matmulSplitting(rt, a!, b!, transA, transB, o!)],
    matmulMany: (inputs, p, outs) => matmulManyOrSingles(rt, inputs, p, outs),
    transpose: ([x], { perm }, [o]) => [transpose(rt, x!, perm, o!)],
    slice: ([x], { begin }, [o]) => [slice(rt, x!, begin, o!)],
    broadcastTo: ([x], _p, [o]) => [broadcastTo(rt, x!, o!)],
    pad: ([x], { before, value }, [o]) => [pad(rt, x!, before, value, o!)],
    concat: (inputs, { axis }, outs) => viaF32(rt, inputs, outs, (xs, [o]) => [concat(rt, xs, axis, o!)]),
    gather: ([x, idx], { axis }, [o]) =>
      // a table over one storage binding (an 8B model's embedding) is gathered in row blocks
      axis === 0 && (overBinding(rt, x!.dtype, x!.size) || overBinding(rt, o!.dtype, sizeOfShape(o!.shape)))
        ? [gatherRowBlocks(rt, x!, idx!, o!)]
        : [gather(rt, x!, idx!, axis, o!)],
    takeAlongAxis: ([x, idx], { axis }, [o]) => [takeAlongAxis(rt, x!, idx!, axis, o!)],
    putAlongAxis: (inputs, { axis, mode }, outs) =>
      viaF32(rt, inputs, outs, ([x, idx, v], [o]) => [putAlongAxis(rt, x!, idx!, v!, axis, mode, o!)]),
    sort: (inputs, { descending }, outs) =>
      viaF32(rt, inputs, outs, ([x]) => sortRows(rt, x!, descending, x!.shape[x!.shape.length - 1] ?? 1)),
    topk: (inputs, { k }, outs) => viaF32(rt, inputs, outs, ([x]) => sortRows(rt, x!, true, k)),
    randomBits: (_i, { key }, [o]) => [randomBits(rt, key, sizeOfShape(o!.shape))],
    fill: (_i, { value }, [o]) => [fill(rt, value, o!.dtype, sizeOfShape(o!.shape))],
    arange: (_i, { start, step }, [o]) => [arange(rt, start, step, o!.dtype, sizeOfShape(o!.shape))],
    ...makeNNKernels(rt),
    ...makeNNBackwardKernels(rt),
    adamUpdate: (inputs, p, outs) => adamUpdate(rt, inputs, p, outs),
    sumOfSquares: (inputs) => sumOfSquares(rt, inputs),
    packFlat: (inputs, p) => packFlat(rt, inputs, p),
  };
}
