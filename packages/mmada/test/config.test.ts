import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { configToJson, MODEL_ZOO, parameterCount, parseModelConfig, parseModelConfigText, zooConfig } from '@mmada/mmada';

/** GSAI-ML/LLaDA-8B-Instruct's config.json (as published). */
const LLADA_8B_INSTRUCT = {
  activation_type: 'silu',
  alibi: false,
  alibi_bias_max: 8.0,
  architectures: ['LLaDAModelLM'],
  attention_dropout: 0.0,
  attention_layer_norm: false,
  attention_layer_norm_with_affine: true,
  bias_for_layer_norm: false,
  block_group_size: 1,
  block_type: 'llama',
  d_model: 4096,
  embedding_dropout: 0.0,
  embedding_size: 126464,
  eos_token_id: 126081,
  flash_attention: false,
  include_bias: false,
  include_qkv_bias: false,
  init_cutoff_factor: null,
  init_device: 'meta',
  init_fn: 'mitchell',
  init_std: 0.02,
  input_emb_norm: false,
  layer_norm_type: 'rms',
  layer_norm_with_affine: true,
  mask_token_id: 126336,
  max_sequence_length: 4096,
  mlp_hidden_size: 12288,
  mlp_ratio: 4,
  model_type: 'llada',
  multi_query_attention: null,
  n_heads: 32,
  n_kv_heads: 32,
  n_layers: 32,
  pad_token_id: 126081,
  precision: 'amp_bf16',
  residual_dropout: 0.0,
  rms_norm_eps: 1e-5,
  rope: true,
  rope_full_precision: true,
  rope_theta: 500000.0,
  scale_logits: false,
  use_cache: false,
  vocab_size: 126464,
  weight_tying: false,
};

const MMADA_8B = { ...LLADA_8B_INSTRUCT, model_type: 'mmada', vocab_size: 134656, embedding_size: 134656, llm_vocab_size: 126464, codebook_size: 8192, new_vocab_size: 134656, num_vq_tokens: 256, num_new_special_tokens: 0, tie_word_embeddings: false };

const right = <T>(x: E.Either<unknown, T>): T => {
  if (E.isLeft(x)) throw x.left;
  return x.right;
};
const leftMessage = (x: E.Either<Error, unknown>): string => {
  if (E.isRight(x)) throw new Error('expected a Left');
  return x.left.message;
};

describe('parseModelConfig', () => {
  it('reads LLaDA-8B-Instruct', () => {
    const c = right(parseModelConfig(LLADA_8B_INSTRUCT));
    expect(c).toMatchObject({ dModel: 4096, nHeads: 32, nLayers: 32, mlpHiddenSize: 12288, embeddingSize: 126464, ropeTheta: 500000, maskTokenId: 126336, eosTokenId: 126081, padTokenId: 126081 });
    expect(parameterCount(c)).toBe(8_015_581_184);
  });

  it('reads MMaDA-8B with its widened vocabulary', () => {
    const c = right(parseModelConfig(MMADA_8B));
    expect(c).toMatchObject({ modelType: 'mmada', vocabSize: 134656, llmVocabSize: 126464, codebookSize: 8192, numVqTokens: 256 });
    expect(parameterCount(c)).toBe(8_082_690_048);
  });

  it('agrees with the zoo', () => {
    const { source: _s, ...parsed } = right(parseModelConfig(MMADA_8B));
    const { source: _z, ...zoo } = MODEL_ZOO['mmada-8b-base'];
    // LLaDA keeps BOS in generation_config.json, not config.json.
    expect(parsed.bosTokenId).toBeUndefined();
    expect({ ...parsed, bosTokenId: 126080 }).toEqual(zoo);
    expect(parameterCount(zooConfig('mmada-100m')!)).toBeGreaterThan(95e6);
    expect(parameterCount(zooConfig('mmada-100m')!)).toBeLessThan(110e6);
    expect(zooConfig('nope')).toBeUndefined();
  });

  it('reads rope and alibi (absent: RoPE, no ALiBi) and writes them back only where they differ from LLaDA', () => {
    const plain = parseModelConfig(LLADA_8B_INSTRUCT);
    if (E.isLeft(plain)) throw plain.left;
    expect(plain.right.rope).toBeUndefined();
    expect(plain.right.alibiBiasMax).toBeUndefined();
    const { source: _s, ...built } = plain.right;
    expect(configToJson({ ...built, source: undefined })).toMatchObject({ rope: true, alibi: false });
    const withAlibi = parseModelConfig({ ...LLADA_8B_INSTRUCT, rope: false, alibi: true, alibi_bias_max: 4 });
    if (E.isLeft(withAlibi)) throw withAlibi.left;
    expect(withAlibi.right.rope).toBe(false);
    expect(withAlibi.right.alibiBiasMax).toBe(4);
    const { source: _t, ...builtAlibi } = withAlibi.right;
    expect(configToJson({ ...builtAlibi, source: undefined })).toMatchObject({ rope: false, alibi: true, alibi_bias_max: 4 });
  });

  it('names file, key, expectation and value', () => {
    expect(leftMessage(parseModelConfig({ ...LLADA_8B_INSTRUCT, d_model: '4096' }, 'ckpt/config.json'))).toBe('ckpt/config.json: key "d_model": expected a positive integer, got "4096"');
    const { n_layers: _, ...noLayers } = LLADA_8B_INSTRUCT;
    expect(leftMessage(parseModelConfig(noLayers))).toBe('config.json: key "n_layers": expected a positive integer, got nothing (the key is missing)');
    expect(leftMessage(parseModelConfig({ ...LLADA_8B_INSTRUCT, alibi: 'yes' }))).toMatch(/key "alibi": expected true or false, got "yes"/);
    expect(leftMessage(parseModelConfig({ ...LLADA_8B_INSTRUCT, alibi: true, alibi_bias_max: -1 }))).toMatch(/alibi_bias_max/);
    expect(leftMessage(parseModelConfig({ ...LLADA_8B_INSTRUCT, weight_tying: true }))).toMatch(/weight_tying/);
    expect(leftMessage(parseModelConfig({ ...LLADA_8B_INSTRUCT, n_kv_heads: 8 }))).toMatch(/n_kv_heads.*grouped-query/);
    expect(leftMessage(parseModelConfig({ ...LLADA_8B_INSTRUCT, n_heads: 3 }))).toMatch(/n_heads/);
    expect(leftMessage(parseModelConfig({ ...LLADA_8B_INSTRUCT, mask_token_id: 200000 }))).toMatch(/mask_token_id.*below embedding_size/);
    expect(leftMessage(parseModelConfig([1, 2]))).toMatch(/expected a JSON object/);
    expect(leftMessage(parseModelConfigText('{"d_model": 4', 'x.json'))).toMatch(/^x\.json: expected valid JSON/);
  });

  it('derives the MLP width from mlp_ratio only when mlp_hidden_size is absent', () => {
    const c = right(parseModelConfig({ ...LLADA_8B_INSTRUCT, mlp_hidden_size: null, embedding_size: null }));
    expect(c.mlpHiddenSize).toBe(4 * 4096);
    expect(c.embeddingSize).toBe(126464);
  });

  it('writes config.json back with every original key', () => {
    const c = right(parseModelConfig(MMADA_8B));
    expect(configToJson(c)).toEqual(MMADA_8B);
    const fromZoo = configToJson(MODEL_ZOO['mmada-tiny']);
    const reread = right(parseModelConfig(fromZoo));
    const { source: _s, ...a } = reread;
    const { source: _z, ...b } = MODEL_ZOO['mmada-tiny'];
    expect(a).toEqual(b);
  });
});
