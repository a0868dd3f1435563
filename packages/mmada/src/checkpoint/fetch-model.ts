/**
 * Loading a model directory over HTTP (a browser fetching from its own origin, or any `fetch`): the same
 * files and checks as loadModel / loadTextTokenizer / loadImageTokenizer, read with fetch instead of fs.
 * A directory URL is joined with the file names (`<url>/config.json`, `<url>/model.safetensors`, ...).
 */
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { SpecialTokens } from '../tokenizer/special-tokens.js';
import { TOKENIZER_CONFIG_FILE_NAME, TOKENIZER_FILE_NAME, TokenizerError, textTokenizerFromJson, tokenizerJsonFromText, type TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { VQ_CONFIG_FILE_NAME, VQ_WEIGHTS_FILE_NAME, loadImageTokenizerFromBytes, type LoadedImageTokenizer, type LoadImageTokenizerOptions } from '../vq/image-tokenizer-from-safetensors.js';
import { CheckpointError } from './checkpoint-error.js';
import { loadModelFromBytes, type LoadedModel, type LoadModelOptions } from './load-model-from-checkpoint.js';

export interface FetchOptions {
  /** The fetch to use (default: globalThis.fetch). */
  readonly fetch?: typeof fetch;
  /** Cancels the downloads. */
  readonly signal?: AbortSignal;
}

/** `<dir>/<name>`, with exactly one slash between them. */
const join = (dir: string, name: string): string => `${dir.replace(/\/+$/, '')}/${name}`;

async function request(url: string, options: FetchOptions): Promise<Response | undefined> {
  const f = options.fetch ?? globalThis.fetch;
  if (typeof f !== 'function') throw new Error('no fetch function in this environment (pass options.fetch)');
  const response = await f(url, options.signal ? { signal: options.signal } : {});
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  return response;
}

/**
 * The bytes at `url`. Rejects naming the URL on a network error or an HTTP status other than 2xx; resolves to
 * undefined for 404 when `optional`.
 */
export async function fetchBytes(url: string, options: FetchOptions = {}, optional = false): Promise<Uint8Array | undefined> {
  let response: Response | undefined;
  try {
    response = await request(url, options);
    if (response !== undefined) return new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    throw new Error(`${url}: cannot fetch (${(e as Error).message})`, { cause: e });
  }
  if (optional) return undefined;
  throw new Error(`${url}: cannot fetch (HTTP 404 Not Found)`);
}

/**
 * Awaits every download together and, when any fails, rejects with the first failure in argument order (not the
 * first to arrive), so the error a caller sees does not depend on which server answered first.
 */
async function allInOrder<T extends readonly unknown[]>(downloads: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(downloads as readonly Promise<unknown>[]);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** The text (UTF-8) at `url`; as fetchBytes. */
export async function fetchText(url: string, options: FetchOptions = {}, optional = false): Promise<string | undefined> {
  const bytes = await fetchBytes(url, options, optional);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

/**
 * Loads a model from a directory URL holding `config.json` and `model.safetensors` (a single file; sharded
 * checkpoints are for loadModel). Left: a CheckpointError ('unreadable' for a failed download, otherwise as
 * loadModel).
 */
export function fetchModel(url: string, options: LoadModelOptions & FetchOptions = {}): TE.TaskEither<CheckpointError, LoadedModel> {
  return async () => {
    let config: string, weights: Uint8Array;
    try {
      [config, weights] = await allInOrder<[string, Uint8Array]>([
        fetchText(join(url, 'config.json'), options) as Promise<string>,
        fetchBytes(join(url, 'model.safetensors'), options) as Promise<Uint8Array>,
      ]);
    } catch (e) {
      return E.left(new CheckpointError('unreadable', url, (e as Error).message, undefined, { cause: e }));
    }
    return loadModelFromBytes({ config, weights }, url.replace(/\/+$/, ''), options)();
  };
}

/** Loads the text tokenizer of a model directory URL: `tokenizer.json` (required), `tokenizer_config.json` (optional). */
export function fetchTextTokenizer(url: string, specialTokens: Partial<SpecialTokens> = {}, options: FetchOptions = {}): TE.TaskEither<TokenizerError, TextTokenizer> {
  return async () => {
    const file = join(url, TOKENIZER_FILE_NAME);
    const configFile = join(url, TOKENIZER_CONFIG_FILE_NAME);
    let text: string | undefined, configText: string | undefined;
    try {
      [text, configText] = await allInOrder<[string | undefined, string | undefined]>([fetchText(file, options), fetchText(configFile, options, true)]);
    } catch (e) {
      return E.left(new TokenizerError(file, (e as Error).message, { cause: e }));
    }
    const json = tokenizerJsonFromText(text!, file);
    if (E.isLeft(json)) return json;
    const config = configText === undefined ? E.right({}) : tokenizerJsonFromText(configText, configFile);
    if (E.isLeft(config)) return config;
    return textTokenizerFromJson(json.right, config.right, specialTokens, file);
  };
}

/**
 * Loads an image tokenizer from a directory URL: `pytorch_model.safetensors` and `config.json` (optional:
 * absent means the released architecture). Left: a CheckpointError, as loadImageTokenizer.
 */
export function fetchImageTokenizer(url: string, options: LoadImageTokenizerOptions & FetchOptions = {}): TE.TaskEither<CheckpointError, LoadedImageTokenizer> {
  return async () => {
    let config: string | undefined, weights: Uint8Array;
    try {
      [config, weights] = await allInOrder<[string | undefined, Uint8Array]>([
        options.config === undefined ? fetchText(join(url, VQ_CONFIG_FILE_NAME), options, true) : Promise.resolve(undefined),
        fetchBytes(join(url, VQ_WEIGHTS_FILE_NAME), options) as Promise<Uint8Array>,
      ]);
    } catch (e) {
      return E.left(new CheckpointError('unreadable', url, (e as Error).message, undefined, { cause: e }));
    }
    return loadImageTokenizerFromBytes(config === undefined ? { weights } : { config, weights }, url.replace(/\/+$/, ''), options)();
  };
}
