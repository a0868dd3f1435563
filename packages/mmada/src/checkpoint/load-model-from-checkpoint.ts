/**
 * Loading a model from an open Checkpoint and its parsed config: no file-system access, so a browser loads
 * from fetched bytes (loadModelFromBytes) and Node from a directory (loadModel) through the same checks.
 *
 * Everything that can be checked from headers is checked before the first byte of weights is read: tensor
 * names (missing / unexpected), shapes against the config, dtypes, and the memory estimate against the
 * device's limits. Then tensors go to the device one at a time. On any error nothing stays allocated.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import {
  cast,
  checkpointFromBytes,
  getDefaultDevice,
  tensorFromBytes,
  type Checkpoint,
  type DeviceName,
  type Tensor,
} from '@mmada/tensor';
import { parseModelConfigText } from '../config/parse-config.js';
import type { ModelConfig } from '../config/model-config.js';
import { buildParameters, parameterShapes } from '../model/parameters.js';
import type { MaskPredictorModel } from '../model/mask-predictor-model.js';
import { CheckpointError } from './checkpoint-error.js';
import { checkCheckpointTensors } from './check-checkpoint-tensors.js';
import { deviceLimits, type DeviceLimits } from './device-limits.js';
import { formatBytes } from './memory-estimate.js';

/** Weight dtypes a checkpoint may store. */
export type WeightDType = 'F32' | 'BF16' | 'F16';

export interface LoadModelOptions {
  /** Device for the weights (default: the default device). */
  readonly device?: DeviceName;
  /**
   * 'stored' (default): F16 weights stay f16 and BF16 weights stay bf16 on the device, two per 32-bit word
   * (half the memory: matmul and embedding read them packed and accumulate in f32); 'f32': every weight becomes
   * f32 (exactly), what training wants.
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
  const checked = checkCheckpointTensors(ckpt, config, { ignoreUnexpected: options.ignoreUnexpected });
  if (E.isLeft(checked)) return checked;
  const expected = parameterShapes(config);
  let deviceBytes = 0;
  for (const [name, shape] of expected) {
    const info = ckpt.info(name)!;
    const n = shape.reduce((a, b) => a * b, 1);
    const bytes = n * (info.dtype !== 'F32' && options.weights !== 'f32' ? 2 : 4);
    deviceBytes += bytes;
    // A tensor over maxStorageBufferBindingSize is fine (embedding and matmul bind it in row blocks); one buffer
    // must still hold it.
    if (limits && bytes > limits.maxBufferSize) {
      return E.left(
        new CheckpointError(
          'too-large',
          info.file,
          `needs ${formatBytes(bytes)} in one buffer, over this device's maxBufferSize (${formatBytes(limits.maxBufferSize)}); ` +
            'keep F16 / BF16 weights in half precision or use a device with larger limits',
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
  const t = tensorFromBytes(info, bytes, info.file, { device, bf16: toF32 ? 'f32' : 'packed' });
  if (E.isLeft(t)) throw new CheckpointError('unreadable', info.file, t.left.detail, name, { cause: t.left });
  if (toF32 && t.right.dtype === 'f16') {
    const f = cast(t.right, 'f32');
    t.right.dispose();
    return f;
  }
  return t.right;
}

/**
 * Loads the weights of an open checkpoint for a parsed config; `path` is what LoadedModel.path reports. The
 * checkpoint stays open (the caller closes it). Left: a CheckpointError; nothing stays allocated.
 */
export async function loadModelFromCheckpoint(
  config: ModelConfig,
  ckpt: Checkpoint,
  path: string,
  options: LoadModelOptions = {},
): Promise<E.Either<CheckpointError, LoadedModel>> {
  const device = options.device ?? getDefaultDevice();
  const loaded = new Map<string, Tensor>();
  try {
    const plan = planLoad(ckpt, config, options, options.limits ?? deviceLimits(device));
    if (E.isLeft(plan)) return plan;
    const storedDtypes: Record<string, WeightDType> = {};
    for (const name of plan.right.names) {
      const t = await loadTensor(ckpt, name, device, options.weights === 'f32');
      loaded.set(name, t);
      storedDtypes[name] = ckpt.info(name)!.dtype as WeightDType;
      options.onProgress?.({ loaded: loaded.size, total: plan.right.names.length, tensor: name, bytes: t.bytes });
    }
    const params = buildParameters(config, (name) => loaded.get(name)!);
    return E.right({ config, params, storedDtypes, path });
  } catch (e) {
    for (const t of loaded.values()) t.dispose();
    return E.left(e instanceof CheckpointError ? e : new CheckpointError('unreadable', path, (e as Error).message, undefined, { cause: e }));
  }
}

/** The two files of a single-file checkpoint, already in memory (e.g. fetched by a browser). */
export interface ModelBytes {
  /** The text of config.json. */
  readonly config: string;
  /** The bytes of model.safetensors. */
  readonly weights: Uint8Array;
}

/**
 * Loads a model from the bytes of `config.json` and `model.safetensors`; `name` (a URL or path) names the
 * checkpoint in errors and becomes LoadedModel.path. Left: a CheckpointError, as loadModel.
 */
export function loadModelFromBytes(files: ModelBytes, name: string, options: LoadModelOptions = {}): TE.TaskEither<CheckpointError, LoadedModel> {
  return async () => {
    const configFile = `${name}/config.json`;
    const config = parseModelConfigText(files.config, configFile);
    if (E.isLeft(config)) {
      return E.left(new CheckpointError('config', configFile, config.left.message.slice(configFile.length + 2), undefined, { cause: config.left }));
    }
    const opened = await checkpointFromBytes(files.weights, `${name}/model.safetensors`)();
    if (E.isLeft(opened)) return E.left(new CheckpointError('unreadable', opened.left.file, opened.left.detail, opened.left.tensor, { cause: opened.left }));
    try {
      return await loadModelFromCheckpoint(config.right, opened.right, name, options);
    } finally {
      await opened.right.close().catch(() => {});
    }
  };
}
