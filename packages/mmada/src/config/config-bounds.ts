/**
 * Upper bounds on the sizes a config.json declares, checked before anything walks them: a file saying
 * `"n_layers": 1000000000` must be refused at once, not after building a billion tensor names. The bounds
 * are far above any published model (LLaDA / MMaDA-8B: 32 layers, d_model 4096, 126k vocabulary, 4096
 * positions; the largest open dense models stay under 200 layers and d_model 32k) and below what this code
 * could address (ids are exact in f32 up to 2^24; one tensor is addressed with 32-bit element offsets).
 */
import * as E from 'fp-ts/lib/Either.js';
import { ConfigError } from './config-error.js';
import { parameterCount } from './model-config.js';

export const CONFIG_BOUNDS = {
  n_layers: 4096,
  d_model: 65536,
  n_heads: 4096,
  mlp_hidden_size: 1 << 20,
  vocab_size: 1 << 24,
  embedding_size: 1 << 24,
  max_sequence_length: 1 << 20,
} as const;

/** Parameters a config may declare at most (4·10^12: 16 TB in f32, beyond any single machine). */
export const MAX_PARAMETERS = 4e12;
/** Elements of one tensor at most: shaders index with 32-bit unsigned offsets. */
export const MAX_TENSOR_ELEMENTS = 2 ** 32 - 1;

interface Dims {
  readonly nLayers: number;
  readonly dModel: number;
  readonly nHeads: number;
  readonly mlpHiddenSize: number;
  readonly vocabSize: number;
  readonly embeddingSize: number;
  readonly maxSequenceLength: number;
}

/** The config's sizes against CONFIG_BOUNDS, the total parameter count and the largest tensor; Left names the key. */
export function checkConfigBounds<C extends Dims>(c: C, file: string): E.Either<ConfigError, C> {
  const values: Record<keyof typeof CONFIG_BOUNDS, number> = {
    n_layers: c.nLayers,
    d_model: c.dModel,
    n_heads: c.nHeads,
    mlp_hidden_size: c.mlpHiddenSize,
    vocab_size: c.vocabSize,
    embedding_size: c.embeddingSize,
    max_sequence_length: c.maxSequenceLength,
  };
  for (const [key, max] of Object.entries(CONFIG_BOUNDS) as [keyof typeof CONFIG_BOUNDS, number][]) {
    if (values[key] > max) return E.left(new ConfigError(file, key, `expected at most ${max}`, values[key]));
  }
  const params = parameterCount(c);
  if (params > MAX_PARAMETERS) {
    return E.left(new ConfigError(file, 'n_layers', `the sizes declare ${params.toExponential(2)} parameters, more than the ${MAX_PARAMETERS.toExponential(0)} any machine could hold`, c.nLayers));
  }
  const largest = Math.max(c.embeddingSize * c.dModel, c.dModel * c.mlpHiddenSize);
  if (largest > MAX_TENSOR_ELEMENTS) {
    const key = c.embeddingSize * c.dModel >= c.dModel * c.mlpHiddenSize ? 'embedding_size' : 'mlp_hidden_size';
    return E.left(new ConfigError(file, key, `one weight matrix would hold ${largest} elements, more than the ${MAX_TENSOR_ELEMENTS} a tensor can address`, values[key]));
  }
  return E.right(c);
}
