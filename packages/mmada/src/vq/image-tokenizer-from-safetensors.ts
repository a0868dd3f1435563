/**
 * An image tokenizer from an open safetensors file in the released `showlab/magvitv2` layout (spec/vq.md §5
 * tensor names), with no file-system access: Node reads a directory (loadImageTokenizer), a browser fetched
 * bytes (loadImageTokenizerFromBytes), through the same checks.
 *
 * Everything checkable from the header is checked before any weight is read: every tensor the config needs is
 * present with its shape, nothing unexpected is there, dtypes are floats. The `quantize.embedding` and
 * `quantize.power_vals` buffers may be absent (they are recomputed); when present their shapes and values must
 * be the MSB-first ±1 codebook this implementation computes. On any error nothing stays allocated.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { bytesSource, cast, getDefaultDevice, openSafetensorsFrom, tensorFromBytes, type DeviceName, type SafetensorsFile, type Tensor } from '@mmada/tensor';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import { MAGVITV2_CONFIG, codebookSize, type VqConfig } from './vq-config.js';
import { parseVqConfigText } from './vq-config-json.js';
import { lfqCodebook } from './lfq.js';
import { buildVqParameters, vqParameterShapes } from './vq-parameters.js';
import type { ImageTokenizer } from './image-tokenizer.js';

/** The weights file name of the released tokenizer (diffusers' SAFETENSORS_WEIGHTS_NAME in Show-o). */
export const VQ_WEIGHTS_FILE_NAME = 'pytorch_model.safetensors';
export const VQ_CONFIG_FILE_NAME = 'config.json';
export const VQ_BUFFER_NAMES = ['quantize.embedding', 'quantize.power_vals'] as const;

const FLOAT_DTYPES = ['F32', 'BF16', 'F16'];
const INT_DTYPES = ['I64', 'I32', 'U32'];

export interface LoadImageTokenizerOptions {
  /** Device for the weights (default: the default device). Weights are always f32 on the device. */
  readonly device?: DeviceName;
  /** The architecture, instead of reading config.json. */
  readonly config?: VqConfig;
  /** Skip tensors the architecture does not have instead of failing (default false). */
  readonly ignoreUnexpected?: boolean;
}

/** A tokenizer read from disk remembers where from. */
export interface LoadedImageTokenizer extends ImageTokenizer {
  readonly path: string;
}

/** Names, shapes and dtypes, from the header alone. */
function checkHeader(file: SafetensorsFile, config: VqConfig, options: LoadImageTokenizerOptions): E.Either<CheckpointError, readonly string[]> {
  const expected = vqParameterShapes(config);
  const describe = `the tokenizer config (ch ${config.ch}, ${config.encoderChMult.length} levels, ${config.bits} bits)`;
  for (const [name, shape] of expected) {
    const info = file.info(name);
    if (info === undefined) return E.left(new CheckpointError('missing-tensor', file.path, `missing: ${describe} needs it and the file does not have it`, name));
    if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
      return E.left(new CheckpointError('shape-mismatch', file.path, `shape [${info.shape.join(', ')}] does not match ${describe}, which needs [${shape.join(', ')}]`, name));
    }
    if (!FLOAT_DTYPES.includes(info.dtype)) return E.left(new CheckpointError('dtype', file.path, `stored as ${info.dtype}; weights must be F32, BF16 or F16`, name));
  }
  const bufferShapes: Record<string, number[]> = { 'quantize.embedding': [codebookSize(config), config.bits], 'quantize.power_vals': [config.bits] };
  for (const [name, shape] of Object.entries(bufferShapes)) {
    const info = file.info(name);
    if (info === undefined) continue;
    if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
      return E.left(new CheckpointError('shape-mismatch', file.path, `shape [${info.shape.join(', ')}] does not match the ${config.bits}-bit codebook, which needs [${shape.join(', ')}]`, name));
    }
    const allowed = name === 'quantize.embedding' ? FLOAT_DTYPES : INT_DTYPES;
    if (!allowed.includes(info.dtype)) return E.left(new CheckpointError('dtype', file.path, `stored as ${info.dtype}; expected one of ${allowed.join(', ')}`, name));
  }
  if (!options.ignoreUnexpected) {
    const known = new Set<string>([...expected.map(([n]) => n), ...VQ_BUFFER_NAMES]);
    const extra = file.names.find((n) => !known.has(n));
    if (extra !== undefined) {
      return E.left(new CheckpointError('unexpected-tensor', file.path, `unexpected: ${describe} has no such tensor (pass ignoreUnexpected to skip it)`, extra));
    }
  }
  return E.right(expected.map(([n]) => n));
}

/** Reads a little-endian integer vector (I64 / I32 / U32) exactly (values here are below 2^24). */
function integers(bytes: Uint8Array, dtype: string): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = dtype === 'I64' ? 8 : 4;
  return Array.from({ length: bytes.byteLength / size }, (_, i) =>
    dtype === 'I64' ? Number(view.getBigInt64(i * 8, true)) : dtype === 'I32' ? view.getInt32(i * 4, true) : view.getUint32(i * 4, true),
  );
}

/** The stored buffers, when present, must be the codebook this implementation recomputes (MSB first). */
async function checkBuffers(file: SafetensorsFile, config: VqConfig): Promise<CheckpointError | undefined> {
  const powers = file.info('quantize.power_vals');
  if (powers) {
    const got = integers(await file.readRaw('quantize.power_vals'), powers.dtype);
    const want = Array.from({ length: config.bits }, (_, c) => 2 ** (config.bits - 1 - c));
    if (got.some((v, i) => v !== want[i])) {
      return new CheckpointError('shape-mismatch', file.path, `values [${got.join(', ')}] are not the most-significant-bit-first powers [${want.join(', ')}] this implementation decodes with`, 'quantize.power_vals');
    }
  }
  const emb = file.info('quantize.embedding');
  if (emb) {
    const t = tensorFromBytes(emb, await file.readRaw('quantize.embedding'), file.path, { device: 'cpu' });
    if (E.isLeft(t)) return new CheckpointError('unreadable', file.path, t.left.detail, 'quantize.embedding', { cause: t.left });
    const got = (await t.right.data()) as Float32Array;
    t.right.dispose();
    const want = lfqCodebook(config.bits);
    const bad = want.findIndex((v, i) => got[i] !== v);
    if (bad >= 0) {
      const row = Math.floor(bad / config.bits);
      return new CheckpointError('shape-mismatch', file.path, `row ${row} is not the ±1 code of id ${row} (channel 0 = most significant bit) that this implementation decodes with`, 'quantize.embedding');
    }
  }
  return undefined;
}

async function readWeight(file: SafetensorsFile, name: string, device: DeviceName): Promise<Tensor> {
  const info = file.info(name)!;
  let bytes: Uint8Array;
  try {
    bytes = await file.readRaw(name);
  } catch (e) {
    throw new CheckpointError('unreadable', file.path, `cannot read its data (${(e as Error).message})`, name, { cause: e });
  }
  const t = tensorFromBytes(info, bytes, file.path, { device });
  if (E.isLeft(t)) throw new CheckpointError('unreadable', file.path, t.left.detail, name, { cause: t.left });
  if (t.right.dtype === 'f32') return t.right;
  const f = cast(t.right, 'f32');
  t.right.dispose();
  return f;
}

/**
 * Loads the weights of an open safetensors file for a tokenizer config; `path` is what the result reports.
 * The file stays open (the caller closes it). Left: a CheckpointError; nothing stays allocated.
 */
export async function imageTokenizerFromSafetensors(
  file: SafetensorsFile,
  config: VqConfig,
  path: string,
  options: LoadImageTokenizerOptions = {},
): Promise<E.Either<CheckpointError, LoadedImageTokenizer>> {
  const device = options.device ?? getDefaultDevice();
  const loaded = new Map<string, Tensor>();
  try {
    const names = checkHeader(file, config, options);
    if (E.isLeft(names)) return names;
    const bufferError = await checkBuffers(file, config);
    if (bufferError) return E.left(bufferError);
    for (const name of names.right) loaded.set(name, await readWeight(file, name, device));
    const params = buildVqParameters(config, (name) => loaded.get(name)!);
    return E.right({ config, params, path });
  } catch (e) {
    for (const t of loaded.values()) t.dispose();
    return E.left(e instanceof CheckpointError ? e : new CheckpointError('unreadable', file.path, (e as Error).message, undefined, { cause: e }));
  }
}

/** An image tokenizer's files already in memory (e.g. fetched by a browser). */
export interface ImageTokenizerBytes {
  /** The text of config.json; absent means the released architecture (unless options.config is given). */
  readonly config?: string;
  /** The bytes of pytorch_model.safetensors. */
  readonly weights: Uint8Array;
}

/**
 * Loads an image tokenizer from the bytes of its files; `name` (a URL or path of the directory) names them in
 * errors. Left: a CheckpointError, as loadImageTokenizer.
 */
export function loadImageTokenizerFromBytes(files: ImageTokenizerBytes, name: string, options: LoadImageTokenizerOptions = {}): TE.TaskEither<CheckpointError, LoadedImageTokenizer> {
  return async () => {
    const configFile = `${name}/${VQ_CONFIG_FILE_NAME}`;
    let config = options.config;
    if (config === undefined) {
      const parsed = files.config === undefined ? E.right(MAGVITV2_CONFIG) : parseVqConfigText(files.config, configFile);
      if (E.isLeft(parsed)) return E.left(new CheckpointError('config', configFile, parsed.left.message.slice(configFile.length + 2), undefined, { cause: parsed.left }));
      config = parsed.right;
    }
    const opened = await openSafetensorsFrom(bytesSource(files.weights), `${name}/${VQ_WEIGHTS_FILE_NAME}`)();
    if (E.isLeft(opened)) return E.left(new CheckpointError('unreadable', opened.left.file, opened.left.detail, opened.left.tensor, { cause: opened.left }));
    try {
      return await imageTokenizerFromSafetensors(opened.right, config, name, options);
    } finally {
      await opened.right.close().catch(() => {});
    }
  };
}
