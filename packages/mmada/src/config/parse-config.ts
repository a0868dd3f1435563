/**
 * Reading the upstream `config.json` of LLaDA-8B / MMaDA-8B (keys of spec/model.md §1) into a ModelConfig.
 * Every key the forward pass depends on is checked; a config asking for a feature this implementation does
 * not have (ALiBi, biases, tied embeddings, grouped-query attention, ...) is rejected rather than silently
 * computed differently.
 */
import { sequenceS } from 'fp-ts/lib/Apply.js';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { findDuplicateJsonKey } from '@mmada/tensor';
import { checkConfigBounds } from './config-bounds.js';
import { ConfigError, MISSING } from './config-error.js';
import type { ModelConfig } from './model-config.js';

export const CONFIG_FILE_NAME = 'config.json';

type Json = Record<string, unknown>;
type Read<T> = E.Either<ConfigError, T>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const has = (json: Json, key: string) => Object.prototype.hasOwnProperty.call(json, key);
const valueOf = (json: Json, key: string): unknown => (has(json, key) ? json[key] : MISSING);

function positiveInt(file: string, json: Json, key: string): Read<number> {
  const v = valueOf(json, key);
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? E.right(v) : E.left(new ConfigError(file, key, 'expected a positive integer', v));
}

function tokenId(file: string, json: Json, key: string): Read<number> {
  const v = valueOf(json, key);
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? E.right(v) : E.left(new ConfigError(file, key, 'expected a token id (an integer ≥ 0)', v));
}

function optionalTokenId(file: string, json: Json, key: string): Read<number | undefined> {
  const v = valueOf(json, key);
  return v === MISSING || v === null ? E.right(undefined) : tokenId(file, json, key);
}

function optionalPositiveInt(file: string, json: Json, key: string): Read<number | undefined> {
  const v = valueOf(json, key);
  return v === MISSING || v === null ? E.right(undefined) : positiveInt(file, json, key);
}

function positiveNumber(file: string, json: Json, key: string, fallback?: number): Read<number> {
  const v = valueOf(json, key);
  if (v === MISSING && fallback !== undefined) return E.right(fallback);
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? E.right(v) : E.left(new ConfigError(file, key, 'expected a positive number', v));
}

/** A key that must hold one value (or be absent, meaning that value) because nothing else is implemented. */
function required<T>(file: string, json: Json, key: string, wanted: T, why: string): Read<T> {
  const v = valueOf(json, key);
  if (v === MISSING || v === wanted || (wanted === false && v === null)) return E.right(wanted);
  return E.left(new ConfigError(file, key, `expected ${JSON.stringify(wanted)} (${why})`, v));
}

/** A boolean key; absent or null means `fallback`. */
function flag(file: string, json: Json, key: string, fallback: boolean): Read<boolean> {
  const v = valueOf(json, key);
  if (v === MISSING || v === null) return E.right(fallback);
  if (typeof v === 'boolean') return E.right(v);
  return E.left(new ConfigError(file, key, 'expected true or false', v));
}

/** `embedding_size` may be null or absent in OLMo-derived configs, meaning vocab_size. */
function embeddingSize(file: string, json: Json, vocabSize: number): Read<number> {
  const v = valueOf(json, 'embedding_size');
  if (v === MISSING || v === null) return E.right(vocabSize);
  return pipe(
    positiveInt(file, json, 'embedding_size'),
    E.filterOrElse(
      (n) => n >= vocabSize,
      (n) => new ConfigError(file, 'embedding_size', `expected at least vocab_size (${vocabSize})`, n),
    ),
  );
}

/** `mlp_hidden_size`, or `mlp_ratio · d_model` when it is null/absent (upstream uses the former; spec Quirk 5). */
function mlpHiddenSize(file: string, json: Json, dModel: number): Read<number> {
  const v = valueOf(json, 'mlp_hidden_size');
  if (v !== MISSING && v !== null) return positiveInt(file, json, 'mlp_hidden_size');
  return pipe(
    positiveInt(file, json, 'mlp_ratio'),
    E.mapLeft(() => new ConfigError(file, 'mlp_hidden_size', 'expected a positive integer (or mlp_ratio to derive it from)', v)),
    E.map((r) => r * dModel),
  );
}

/**
 * Validates a parsed config.json object. `file` names the source in error messages.
 * Left: the first problem found, naming the key, what was expected and what was there.
 */
export function parseModelConfig(json: unknown, file = CONFIG_FILE_NAME): E.Either<ConfigError, ModelConfig> {
  if (!isObject(json)) return E.left(new ConfigError(file, undefined, 'expected a JSON object', json));
  const unsupported = sequenceS(E.Apply)({
    blockType: required(file, json, 'block_type', 'llama', 'the LLaDA block: pre-norm attention + SwiGLU'),
    activation: required(file, json, 'activation_type', 'silu', 'the SwiGLU gate'),
    norm: required(file, json, 'layer_norm_type', 'rms', 'RMSNorm'),
    normBias: required(file, json, 'bias_for_layer_norm', false, 'norms have a weight only'),
    normAffine: required(file, json, 'layer_norm_with_affine', true, 'norms have a weight'),
    qkNorm: required(file, json, 'attention_layer_norm', false, 'no query/key norm'),
    bias: required(file, json, 'include_bias', false, 'linear layers have no bias'),
    qkvBias: required(file, json, 'include_qkv_bias', false, 'q/k/v projections have no bias'),
    tying: required(file, json, 'weight_tying', false, 'the output head is a separate matrix, model.transformer.ff_out'),
    embNorm: required(file, json, 'input_emb_norm', false, 'no embedding norm'),
    scaleLogits: required(file, json, 'scale_logits', false, 'no logit scaling'),
    mqa: required(file, json, 'multi_query_attention', false, 'plain multi-head attention'),
  });
  if (E.isLeft(unsupported)) return unsupported;
  return pipe(
    sequenceS(E.Apply)({
      dModel: positiveInt(file, json, 'd_model'),
      nHeads: positiveInt(file, json, 'n_heads'),
      nLayers: positiveInt(file, json, 'n_layers'),
      vocabSize: positiveInt(file, json, 'vocab_size'),
      maxSequenceLength: positiveInt(file, json, 'max_sequence_length'),
      rmsNormEps: positiveNumber(file, json, 'rms_norm_eps', 1e-5),
      ropeTheta: positiveNumber(file, json, 'rope_theta', 10000),
      rope: flag(file, json, 'rope', true),
      alibi: flag(file, json, 'alibi', false),
      alibiBiasMax: positiveNumber(file, json, 'alibi_bias_max', 8),
      maskTokenId: tokenId(file, json, 'mask_token_id'),
      eosTokenId: tokenId(file, json, 'eos_token_id'),
      bosTokenId: optionalTokenId(file, json, 'bos_token_id'),
      llmVocabSize: optionalPositiveInt(file, json, 'llm_vocab_size'),
      codebookSize: optionalPositiveInt(file, json, 'codebook_size'),
      numVqTokens: optionalPositiveInt(file, json, 'num_vq_tokens'),
    }),
    E.bind('nKvHeads', (c) => {
      const v = valueOf(json, 'n_kv_heads');
      if (v === MISSING || v === null || v === c.nHeads) return E.right(c.nHeads);
      return E.left(new ConfigError(file, 'n_kv_heads', `expected n_heads (${c.nHeads}); grouped-query attention is not supported`, v));
    }),
    E.bind('padTokenId', (c) => (valueOf(json, 'pad_token_id') === MISSING || json.pad_token_id === null ? E.right(c.eosTokenId) : tokenId(file, json, 'pad_token_id'))),
    E.bind('embeddingSize', (c) => embeddingSize(file, json, c.vocabSize)),
    E.bind('mlpHiddenSize', (c) => mlpHiddenSize(file, json, c.dModel)),
    E.filterOrElse(
      (c) => c.dModel % c.nHeads === 0 && (c.dModel / c.nHeads) % 2 === 0,
      (c) => new ConfigError(file, 'n_heads', `expected a divisor of d_model (${c.dModel}) leaving an even head size (rotary embeddings rotate pairs)`, c.nHeads),
    ),
    E.chain((c) => {
      for (const k of ['maskTokenId', 'eosTokenId', 'padTokenId', 'bosTokenId'] as const) {
        const id = c[k];
        if (id !== undefined && id >= c.embeddingSize) {
          const key = { maskTokenId: 'mask_token_id', eosTokenId: 'eos_token_id', padTokenId: 'pad_token_id', bosTokenId: 'bos_token_id' }[k];
          return E.left(new ConfigError(file, key, `expected an id below embedding_size (${c.embeddingSize})`, id));
        }
      }
      return E.right(c);
    }),
    // Sizes against hard bounds before anything walks them (an n_layers of 1e9 must not build 1e9 names).
    E.chain((c) => checkConfigBounds(c, file)),
    E.map(({ rope, alibi, alibiBiasMax, ...c }): ModelConfig => ({
      modelType: typeof json.model_type === 'string' ? json.model_type : 'llada',
      ...c,
      ...(rope ? {} : { rope: false }),
      ...(alibi ? { alibiBiasMax } : {}),
      source: json,
    })),
  );
}

/** Parses config.json text. */
export function parseModelConfigText(text: string, file = CONFIG_FILE_NAME): E.Either<ConfigError, ModelConfig> {
  return pipe(
    E.tryCatch(
      () => JSON.parse(text) as unknown,
      (e) => new ConfigError(file, undefined, `expected valid JSON (${(e as Error).message})`),
    ),
    E.chainFirst(() => refuseDuplicateKeys(text, file)),
    E.chain((json) => parseModelConfig(json, file)),
  );
}

/** JSON.parse keeps the last of two equal keys; a config that says a thing twice is refused instead. */
export function refuseDuplicateKeys(text: string, file: string): E.Either<ConfigError, void> {
  const duplicate = findDuplicateJsonKey(text);
  if (duplicate === undefined) return E.right(undefined);
  const where = duplicate.path === '$' ? duplicate.key : `${duplicate.path.slice(2)}.${duplicate.key}`;
  return E.left(new ConfigError(file, where, 'appears twice (a reader would keep only the last)'));
}
