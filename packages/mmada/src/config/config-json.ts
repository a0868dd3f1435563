/**
 * Writing a ModelConfig as an upstream `config.json` that LLaDA's / MMaDA's `modeling_llada.py` (and this
 * library) read back. Keys of the file it came from are kept, in their order; the keys that decide the
 * architecture are written from the config itself.
 */
import type { ModelConfig } from './model-config.js';

/** Keys every LLaDA config.json carries, with the values of a LLaDA-8B-style block. */
function upstreamDefaults(c: ModelConfig): Record<string, unknown> {
  return {
    activation_type: 'silu',
    alibi: false,
    alibi_bias_max: 8.0,
    architectures: [c.modelType === 'mmada' ? 'MMadaModelLM' : 'LLaDAModelLM'],
    attention_dropout: 0.0,
    attention_layer_norm: false,
    attention_layer_norm_with_affine: true,
    bias_for_layer_norm: false,
    block_group_size: 1,
    block_type: 'llama',
    embedding_dropout: 0.0,
    flash_attention: false,
    include_bias: false,
    include_qkv_bias: false,
    init_device: 'meta',
    init_fn: 'mitchell',
    init_std: 0.02,
    input_emb_norm: false,
    layer_norm_type: 'rms',
    layer_norm_with_affine: true,
    mlp_ratio: Math.round(c.mlpHiddenSize / c.dModel) || 1,
    model_type: c.modelType,
    multi_query_attention: null,
    precision: 'amp_bf16',
    residual_dropout: 0.0,
    rope: true,
    rope_full_precision: true,
    scale_logits: false,
    use_cache: false,
    weight_tying: false,
  };
}

/** The architecture keys, from the config's own fields. */
function architectureKeys(c: ModelConfig): Record<string, unknown> {
  return {
    d_model: c.dModel,
    n_heads: c.nHeads,
    n_kv_heads: c.nKvHeads,
    n_layers: c.nLayers,
    mlp_hidden_size: c.mlpHiddenSize,
    vocab_size: c.vocabSize,
    embedding_size: c.embeddingSize,
    max_sequence_length: c.maxSequenceLength,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    // Written only where they differ from every LLaDA / MMaDA checkpoint, so round trips stay byte-identical.
    ...(c.rope === false ? { rope: false } : {}),
    ...(c.alibiBiasMax !== undefined ? { alibi: true, alibi_bias_max: c.alibiBiasMax } : {}),
    mask_token_id: c.maskTokenId,
    eos_token_id: c.eosTokenId,
    pad_token_id: c.padTokenId,
    ...(c.bosTokenId !== undefined ? { bos_token_id: c.bosTokenId } : {}),
    ...(c.llmVocabSize !== undefined ? { llm_vocab_size: c.llmVocabSize } : {}),
    ...(c.codebookSize !== undefined ? { codebook_size: c.codebookSize } : {}),
    ...(c.numVqTokens !== undefined ? { num_vq_tokens: c.numVqTokens } : {}),
  };
}

/** The config.json object for `c`: its source keys (if it was read from a file) updated with its fields. */
export function configToJson(c: ModelConfig): Record<string, unknown> {
  const base = c.source ?? upstreamDefaults(c);
  const out: Record<string, unknown> = { ...base, ...architectureKeys(c) };
  if (c.source === undefined) return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return out;
}

/** config.json text (two-space indent, trailing newline). */
export const configToJsonText = (c: ModelConfig): string => `${JSON.stringify(configToJson(c), null, 2)}\n`;
