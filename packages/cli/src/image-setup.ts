import {
  codebookSize, disposeImageTokenizer, disposeModel, downsampleFactor, loadImageTokenizer, type LoadedImageTokenizer, type LoadedModel,
  type TextTokenizer,
} from '@mmada/mmada';
import type { DeviceName } from '@mmada/tensor';
import type { CliIO } from './cli-io.js';
import { initDevice } from './device-flag.js';
import { loadModelWithProgress, loadTokenizerIfPresent } from './load-for-command.js';
import { unwrap } from './unwrap.js';
import { UsageError } from './usage-error.js';

/** The image tokenizer must speak the model's codebook and cut the resolution into whole tokens. */
export function checkImageSetup(vq: LoadedImageTokenizer, model: LoadedModel, resolution: number, vqDir: string): void {
  const factor = downsampleFactor(vq.config);
  if (resolution % factor !== 0) throw new UsageError(`--resolution ${resolution} must be a multiple of the tokenizer's downsampling factor (${factor})`);
  const codes = model.config.codebookSize;
  if (codes !== undefined && codes !== codebookSize(vq.config)) {
    throw new Error(`${vqDir}: the tokenizer has ${codebookSize(vq.config)} codes (${vq.config.bits} bits) but the model's codebook has ${codes}`);
  }
}

export interface ImageModels {
  readonly model: LoadedModel;
  readonly tokenizer: TextTokenizer;
  readonly vq: LoadedImageTokenizer;
  readonly device: DeviceName;
}

/**
 * Loads what a pixels-in / pixels-out command needs — the model, its text tokenizer and the image tokenizer,
 * checked against each other — runs `fn`, and frees the device memory however `fn` ends.
 */
export async function withImageModels<T>(
  what: string,
  dirs: { readonly model: string; readonly vq: string },
  resolution: number,
  deviceFlag: string | boolean | undefined,
  io: CliIO,
  fn: (m: ImageModels) => Promise<T>,
): Promise<T> {
  const tokenizer = unwrap(await loadTokenizerIfPresent(dirs.model));
  if (!tokenizer) throw new UsageError(`${dirs.model}/tokenizer.json is missing: ${what} needs the model's text tokenizer`);
  const device = unwrap(await initDevice(deviceFlag, io));
  let model: LoadedModel | undefined;
  let vq: LoadedImageTokenizer | undefined;
  try {
    model = unwrap(await loadModelWithProgress(dirs.model, device, io));
    vq = unwrap(await loadImageTokenizer(dirs.vq, { device })());
    checkImageSetup(vq, model, resolution, dirs.vq);
    return await fn({ model, tokenizer, vq, device });
  } finally {
    if (vq) disposeImageTokenizer(vq);
    if (model) disposeModel(model);
  }
}

export interface TrainingModels {
  readonly model: LoadedModel;
  readonly tokenizer: TextTokenizer;
  /** Loaded only when `dirs.vq` is given and the tasks need images. */
  readonly vq: LoadedImageTokenizer | undefined;
  readonly device: DeviceName;
}

/**
 * Loads what a training command (rl, ablate) needs — the model's text tokenizer, the model with f32 weights
 * (updates to half-precision weights would round away) and, when `needsImages`, the image tokenizer checked
 * against the model — runs `fn`, and frees the model and image tokenizer however `fn` ends.
 */
export async function withTrainingModels<T>(
  what: string,
  dirs: { readonly model: string; readonly vq: string | undefined },
  needsImages: boolean,
  resolution: number,
  device: () => Promise<DeviceName>,
  io: CliIO,
  fn: (m: TrainingModels) => Promise<T>,
): Promise<T> {
  const tokenizer = unwrap(await loadTokenizerIfPresent(dirs.model));
  if (!tokenizer) throw new UsageError(`${dirs.model}/tokenizer.json is missing: ${what} needs the model's text tokenizer`);
  const dev = await device();
  let model: LoadedModel | undefined;
  let vq: LoadedImageTokenizer | undefined;
  try {
    model = unwrap(await loadModelWithProgress(dirs.model, dev, io, 'f32'));
    if (dirs.vq && needsImages) {
      vq = unwrap(await loadImageTokenizer(dirs.vq, { device: dev })());
      checkImageSetup(vq, model, resolution, dirs.vq);
    }
    return await fn({ model, tokenizer, vq, device: dev });
  } finally {
    if (vq) disposeImageTokenizer(vq);
    if (model) disposeModel(model);
  }
}
