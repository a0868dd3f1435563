/**
 * The architecture of a LLaDA / MMaDA mask predictor: the subset of the upstream `config.json` that decides
 * tensor shapes and the forward pass, plus the special-token ids the model was trained with.
 */
export interface ModelConfig {
  /** `model_type`: "llada" for LLaDA checkpoints, "mmada" for MMaDA ones (informational). */
  readonly modelType: string;
  /** `d_model`: width of the residual stream. */
  readonly dModel: number;
  /** `n_heads`: attention heads (head size = dModel / nHeads). */
  readonly nHeads: number;
  /** `n_kv_heads`: equals nHeads (plain multi-head attention; grouped-query attention is not supported). */
  readonly nKvHeads: number;
  /** `n_layers`: transformer blocks. */
  readonly nLayers: number;
  /** `mlp_hidden_size`: width of the SwiGLU gate and up projections. */
  readonly mlpHiddenSize: number;
  /** `vocab_size`: tokens the tokenizer and model agree on. */
  readonly vocabSize: number;
  /** `embedding_size` (or vocab_size): rows of `wte` and of the output head, i.e. the logits' last dimension. */
  readonly embeddingSize: number;
  /** `max_sequence_length`: the longest sequence the model was trained on (a warning bound, not enforced by RoPE). */
  readonly maxSequenceLength: number;
  /** `rms_norm_eps`. */
  readonly rmsNormEps: number;
  /** `rope_theta`: the RoPE base. */
  readonly ropeTheta: number;
  /** `rope`: rotary embeddings on queries and keys. Absent means true (every LLaDA / MMaDA checkpoint). */
  readonly rope?: boolean;
  /**
   * `alibi_bias_max` where `alibi` is true: ALiBi's linear attention bias is added (alibi-bias.ts). Absent means
   * no ALiBi (every LLaDA / MMaDA checkpoint has `alibi: false`).
   */
  readonly alibiBiasMax?: number;
  /** `mask_token_id`: the MASK token the model denoises. */
  readonly maskTokenId: number;
  /** `eos_token_id`: end of text (also the padding of lm rows). */
  readonly eosTokenId: number;
  /** `pad_token_id` (LLaDA: equals EOS). */
  readonly padTokenId: number;
  /** `bos_token_id` when the config has one (LLaDA keeps it in generation_config.json: 126080). */
  readonly bosTokenId: number | undefined;
  /** MMaDA only (`llm_vocab_size`, `codebook_size`, `num_vq_tokens`): the text vocabulary, image codebook and image tokens per image as stored. */
  readonly llmVocabSize: number | undefined;
  readonly codebookSize: number | undefined;
  readonly numVqTokens: number | undefined;
  /**
   * Every key of the config.json this came from, as read (undefined for a config built in code). Saving a
   * checkpoint writes these back unchanged, so a round trip keeps keys this library does not use.
   */
  readonly source: Readonly<Record<string, unknown>> | undefined;
}

/** Size of one attention head. */
export const headDim = (c: ModelConfig): number => c.dModel / c.nHeads;

/** Number of parameters: wte + head + per block (4 attention projections, 3 MLP matrices, 2 norms) + final norm. */
export function parameterCount(c: Pick<ModelConfig, 'dModel' | 'mlpHiddenSize' | 'embeddingSize' | 'nLayers'>): number {
  const perBlock = 4 * c.dModel * c.dModel + 3 * c.dModel * c.mlpHiddenSize + 2 * c.dModel;
  return 2 * c.embeddingSize * c.dModel + c.nLayers * perBlock + c.dModel;
}
