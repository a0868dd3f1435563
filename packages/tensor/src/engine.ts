import type { Backend, DeviceName, OutSpec } from './backend.js';
import type { PrimitiveName, PrimitiveParams } from './primitives.js';
import { DataRef, Tensor } from './tensor.js';
import { TensorError, fmtShape } from './errors.js';
import { createCpuBackend } from './cpu/backend.js';
import { useAsyncLocalStorage } from './memory.js';

export interface InitOptions {
  /** Default device for new tensors. Defaults to MMADA_DEVICE or 'webgpu'. */
  device?: DeviceName;
  /** A GPU object (e.g. `navigator.gpu`); in Node the `webgpu` package is used when omitted. */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
  /** WebGPU: the finite-sentinel build (see RuntimeOptions.finiteSentinels); default MMADA_WGSL_FINITE_SENTINELS=1. */
  finiteSentinels?: boolean;
  /**
   * WebGPU: the largest storage binding to assume, if lower than the adapter's maxStorageBufferBindingSize
   * (default MMADA_WEBGPU_MAX_BINDING_BYTES); larger tensors are split into row blocks where an op can be.
   */
  maxBindingBytes?: number;
  /** WebGPU: lane sharing where subgroups are 8 lanes (see RuntimeOptions.laneSharing); default on, MMADA_LANE_SHARING=0 off. */
  laneSharing?: boolean;
}

const backends = new Map<DeviceName, Backend>();
let defaultDevice: DeviceName = 'cpu';
let initialised = false;

/** Creates the backend for `device` (once) and makes it the default. */
export async function init(options: InitOptions = {}): Promise<DeviceName> {
  if (!initialised) {
    initialised = true;
    await installAsyncScopes();
  }
  const device = options.device ?? deviceFromEnv() ?? 'webgpu';
  await ensureBackend(device, options);
  defaultDevice = device;
  return device;
}

/** The device named by MMADA_DEVICE, if any. */
export function deviceFromEnv(): DeviceName | undefined {
  const v = typeof process !== 'undefined' ? process.env?.MMADA_DEVICE : undefined;
  if (v === undefined || v === '') return undefined;
  if (v !== 'cpu' && v !== 'webgpu') throw new TensorError('init', `MMADA_DEVICE must be 'cpu' or 'webgpu', got '${v}'`);
  return v;
}

export async function ensureBackend(device: DeviceName, options: InitOptions = {}): Promise<Backend> {
  const existing = backends.get(device);
  if (existing) return existing;
  let backend: Backend;
  if (device === 'cpu') backend = createCpuBackend();
  else {
    const { createWebGPUBackend } = await import('./webgpu/backend.js');
    backend = await createWebGPUBackend({
      gpu: options.gpu,
      powerPreference: options.powerPreference,
      ...(options.finiteSentinels !== undefined ? { finiteSentinels: options.finiteSentinels } : {}),
      ...(options.maxBindingBytes !== undefined ? { maxBindingBytes: options.maxBindingBytes } : {}),
      ...(options.laneSharing !== undefined ? { laneSharing: options.laneSharing } : {}),
    });
  }
  backends.set(device, backend);
  return backend;
}

export function getDefaultDevice(): DeviceName {
  return defaultDevice;
}

export function setDefaultDevice(device: DeviceName): void {
  getBackend(device);
  defaultDevice = device;
}

export function getBackend(device: DeviceName = defaultDevice): Backend {
  let b = backends.get(device);
  if (!b && device === 'cpu') {
    b = createCpuBackend();
    backends.set('cpu', b);
  }
  if (!b) throw new TensorError('device', `device '${device}' is not initialised; call await init({ device: '${device}' }) first`);
  return b;
}

/** Waits for all queued work on a device. */
export async function sync(device: DeviceName = defaultDevice): Promise<void> {
  await getBackend(device).sync();
}

async function installAsyncScopes(): Promise<void> {
  if (typeof process === 'undefined' || !process.versions?.node) return;
  try {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    useAsyncLocalStorage(new AsyncLocalStorage());
  } catch {
    // keep the stack-based scopes
  }
}

// ---- primitive execution and tracing ----

export interface PrimitiveEvent<P extends PrimitiveName = PrimitiveName> {
  readonly prim: P;
  readonly params: PrimitiveParams[P];
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
}

export type PrimitiveListener = (event: PrimitiveEvent) => void;
const listeners: PrimitiveListener[] = [];

/** Calls `fn` after every primitive runs (autograd records its tape this way). Returns a remover. */
export function onPrimitive(fn: PrimitiveListener): () => void {
  listeners.push(fn);
  return () => {
    const i = listeners.indexOf(fn);
    if (i >= 0) listeners.splice(i, 1);
  };
}

/** Runs a primitive on the inputs' device (or `device` for primitives without inputs). */
export function runPrimitive<P extends PrimitiveName>(
  prim: P,
  inputs: readonly Tensor[],
  params: PrimitiveParams[P],
  outs: OutSpec[],
  device?: DeviceName,
): Tensor[] {
  const dev = inputs[0]?.device ?? device ?? defaultDevice;
  for (const t of inputs) {
    if (t.device !== dev) {
      throw new TensorError(prim, `inputs are on different devices (${inputs.map((x) => `${fmtShape(x.shape)} on ${x.device}`).join(', ')}); move them with toDevice()`);
    }
  }
  const backend = getBackend(dev);
  let outputs: Tensor[];
  if (prim === 'reshape') {
    const x = inputs[0]!;
    outputs = [new Tensor(x.dataRef.retain(), outs[0]!.shape, x.dtype)];
  } else {
    const kernel = backend.kernels[prim as Exclude<PrimitiveName, 'reshape'>] as (
      i: Tensor[],
      p: PrimitiveParams[P],
      o: OutSpec[],
    ) => ReturnType<typeof backend.upload>[];
    const storages = kernel(inputs as Tensor[], params, outs);
    outputs = storages.map((s, i) => new Tensor(new DataRef(backend, s), [...outs[i]!.shape], outs[i]!.dtype));
  }
  if (listeners.length > 0) {
    const event: PrimitiveEvent = { prim, params, inputs, outputs };
    for (const l of listeners) l(event);
  }
  return outputs;
}

/** Single-output convenience. */
export function run1<P extends PrimitiveName>(prim: P, inputs: readonly Tensor[], params: PrimitiveParams[P], out: OutSpec, device?: DeviceName): Tensor {
  return runPrimitive(prim, inputs, params, [out], device)[0]!;
}
