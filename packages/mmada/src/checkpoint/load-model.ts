/**
 * Loading a checkpoint directory in the upstream layout (spec/model.md §2): `config.json` plus
 * `model.safetensors`, or shards `model-0000k-of-0000n.safetensors` tied by `model.safetensors.index.json`.
 *
 * Everything that can be checked from headers is checked before the first byte of weights is read: config,
 * tensor names (missing / unexpected), shapes against the config, dtypes, and the memory estimate against the
 * device's limits. Then tensors go to the device one at a time (only one tensor's bytes are in host memory at
 * once). On any error nothing stays allocated.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import {
  cast,
  getDefaultDevice,
  openCheckpoint,
  tensorFromBytes,
  type Checkpoint,
  type DeviceName,
  type SafetensorsDType,
  type Tensor,
} from '@mmada/tensor';
import { readModelConfig } from '../config/parse-config.js';
import type { ModelConfig } from '../config/model-config.js';
import { buildParameters, parameterShapes } from '../model/parameters.js';
import type { MaskPredictorModel } from '../model/mask-predictor-model.js';
import { CheckpointError } from './checkpoint-error.js';
import { deviceLimits, type DeviceLimits } from './device-limits.js';
import { formatBytes } from './memory-estimate.js';

/** Weight dtypes a checkpoint may store. */
export type WeightDType = 'F32' | 'BF16' | 'F16';
const WEIGHT_DTYPES: readonly SafetensorsDType[] = ['F32', 'BF16', 'F16'];

export interface LoadModelOptions {
  /** Device for the weights (default: the default device). */
  readonly device?: DeviceName;
  /**
   * 'stored' (default): F16 weights stay f16 on the device (half the memory; matmul accumulates in f32);
   * 'f32': every weight becomes f32. BF16 weights are always unpacked to f32 (exactly).
   */
  readonly weights?: 'stored' | 'f32';
  /** Limits to check the weights against; default: the device's own (none on cpu). */
  readonly limits?: DeviceLimits;
  /** Refuse to load more than this many bytes of weights in total (default: no limit). */
  readonly maxTotalBytes?: number;
  /** Skip tensors this architecture does not use instead of failing (default false). */
  readonly ignoreUnexpected?: boolean;
  /** Called after each tensor is on the device. */
  readonly onProgress?: (progress: { readonly loaded: number; readonly total: number; readonly tensor: string; readonly bytes: number }) => void;
}

/** A model read from a checkpoint: remembers the stored dtype of each tensor so saving writes it back as it was. */
export interface LoadedModel extends MaskPredictorModel {
  readonly storedDtypes: Readonly<Record<string, WeightDType>>;
  /** The directory it was read from. */
  readonly path: string;
}

interface Plan {
  readonly names: readonly string[];
  readonly deviceBytes: number;
}

/** Names, shapes, dtypes and sizes, from the headers alone. */
function planLoad(ckpt: Checkpoint, config: ModelConfig, options: LoadModelOptions, limits: DeviceLimits | undefined): E.Either<CheckpointError, Plan> {
  const expected = parameterShapes(config);
  const expectedNames = new Set(expected.map(([n]) => n));
  for (const [name] of expected) {
    if (ckpt.info(name) === undefined) {
      return E.left(new CheckpointError('missing-tensor', ckpt.path, `missing: the config (${config.nLayers} layers) needs it and the checkpoint does not have it`, name));
    }
  }
  if (!options.ignoreUnexpected) {
    const extra = ckpt.names.find((n) => !expectedNames.has(n));
    if (extra !== undefined) {
      const file = ckpt.info(extra)!.file;
      return E.left(new CheckpointError('unexpected-tensor', file, 'unexpected: this architecture has no such tensor (pass ignoreUnexpected to skip it)', extra));
    }
  }
  let deviceBytes = 0;
  for (const [name, shape] of expected) {
    const info = ckpt.info(name)!;
    if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
      return E.left(new CheckpointError('shape-mismatch', info.file, `shape [${info.shape.join(', ')}] does not match the config, which needs [${shape.join(', ')}]`, name));
    }
    if (!WEIGHT_DTYPES.includes(info.dtype)) {
      return E.left(new CheckpointError('dtype', info.file, `stored as ${info.dtype}; weights must be F32, BF16 or F16`, name));
    }
    const n = shape.reduce((a, b) => a * b, 1);
    const bytes = n * (info.dtype === 'F16' && options.weights !== 'f32' ? 2 : 4);
    deviceBytes += bytes;
    if (limits && bytes > Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize)) {
      return E.left(
        new CheckpointError(
          'too-large',
          info.file,
          `needs ${formatBytes(bytes)} in one buffer, over this device's limits (maxBufferSize ${formatBytes(limits.maxBufferSize)}, ` +
            `maxStorageBufferBindingSize ${formatBytes(limits.maxStorageBufferBindingSize)}); keep F16 weights in half precision or use a device with larger limits`,
          name,
        ),
      );
    }
  }
  if (options.maxTotalBytes !== undefined && deviceBytes > options.maxTotalBytes) {
    return E.left(new CheckpointError('too-large', ckpt.path, `the weights need ${formatBytes(deviceBytes)} on the device, over the limit of ${formatBytes(options.maxTotalBytes)}`));
  }
  return E.right({ names: expected.map(([n]) => n), deviceBytes });
}

/** Reads one tensor to the device. */
async function loadTensor(ckpt: Checkpoint, name: string, device: DeviceName, toF32: boolean): Promise<Tensor> {
  const info = ckpt.info(name)!;
  let bytes: Uint8Array;
  try {
    bytes = await ckpt.readRaw(name);
  } catch (e) {
    throw new CheckpointError('unreadable', info.file, `cannot read its data (${(e as Error).message})`, name, { cause: e });
  }
  const t = tensorFromBytes(info, bytes, info.file, { device });
  if (E.isLeft(t)) throw new CheckpointError('unreadable', info.file, t.left.detail, name, { cause: t.left });
  if (toF32 && t.right.dtype === 'f16') {
    const f = cast(t.right, 'f32');
    t.right.dispose();
    return f;
  }
  return t.right;
}

/**
 * Loads a model from a checkpoint directory. Left: a CheckpointError (kind 'config', 'unreadable',
 * 'missing-tensor', 'unexpected-tensor', 'shape-mismatch', 'dtype' or 'too-large'); nothing stays allocated.
 */
export function loadModel(dir: string, options: LoadModelOptions = {}): TE.TaskEither<CheckpointError, LoadedModel> {
  return async () => {
    const config = await readModelConfig(dir)();
    if (E.isLeft(config)) {
      return E.left(new CheckpointError('config', config.left.file, config.left.message.slice(config.left.file.length + 2), undefined, { cause: config.left }));
    }
    const opened = await openCheckpoint(dir)();
    if (E.isLeft(opened)) return E.left(new CheckpointError('unreadable', opened.left.file, opened.left.detail, opened.left.tensor, { cause: opened.left }));
    const ckpt = opened.right;
    const device = options.device ?? getDefaultDevice();
    const loaded = new Map<string, Tensor>();
    try {
      const plan = planLoad(ckpt, config.right, options, options.limits ?? deviceLimits(device));
      if (E.isLeft(plan)) return plan;
      const storedDtypes: Record<string, WeightDType> = {};
      for (const name of plan.right.names) {
        const t = await loadTensor(ckpt, name, device, options.weights === 'f32');
        loaded.set(name, t);
        storedDtypes[name] = ckpt.info(name)!.dtype as WeightDType;
        options.onProgress?.({ loaded: loaded.size, total: plan.right.names.length, tensor: name, bytes: t.bytes });
      }
      const params = buildParameters(config.right, (name) => loaded.get(name)!);
      return E.right({ config: config.right, params, storedDtypes, path: dir });
    } catch (e) {
      for (const t of loaded.values()) t.dispose();
      return E.left(e instanceof CheckpointError ? e : new CheckpointError('unreadable', dir, (e as Error).message, undefined, { cause: e }));
    } finally {
      await ckpt.close().catch(() => {});
    }
  };
}
