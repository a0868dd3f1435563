/**
 * The parameters of the mask predictor as a pytree whose flattened key paths are the upstream tensor names
 * (spec/model.md §2): `params.model.transformer.blocks[0].q_proj.weight` is
 * `model.transformer.blocks.0.q_proj.weight`. Loading and saving therefore need no renaming table, and
 * @mmada/autograd's pytree flattening produces the same names.
 */
import type { Shape, Tensor } from '@mmada/tensor';
import type { ModelConfig } from '../config/model-config.js';

/** A linear layer or norm: upstream modules hold their tensor as `.weight`. */
export interface Weight {
  readonly weight: Tensor;
}

/** One `LLaDALlamaBlock`. Linear weights are [out, in] (y = x·Wᵀ); norms are [dModel]. */
export interface BlockParameters {
  readonly attn_norm: Weight;
  readonly q_proj: Weight;
  readonly k_proj: Weight;
  readonly v_proj: Weight;
  readonly attn_out: Weight;
  readonly ff_norm: Weight;
  /** SwiGLU gate. */
  readonly ff_proj: Weight;
  /** SwiGLU up projection. */
  readonly up_proj: Weight;
  /** SwiGLU down projection. */
  readonly ff_out: Weight;
}

export interface TransformerParameters {
  readonly wte: Weight;
  readonly blocks: readonly BlockParameters[];
  readonly ln_f: Weight;
  /** The untied output head [embeddingSize, dModel]. */
  readonly ff_out: Weight;
}

/** `{ model: { transformer: ... } }`, as HF's `base_model_prefix = "model"` nests it. */
export interface MaskPredictorParameters {
  readonly model: { readonly transformer: TransformerParameters };
}

/** The tensors of one block, in upstream order: name within the block and shape. */
export const BLOCK_TENSORS = ['attn_norm', 'q_proj', 'k_proj', 'v_proj', 'attn_out', 'ff_norm', 'ff_proj', 'up_proj', 'ff_out'] as const;
export type BlockTensor = (typeof BLOCK_TENSORS)[number];

function blockTensorShape(c: ModelConfig, t: BlockTensor): Shape {
  switch (t) {
    case 'attn_norm':
    case 'ff_norm':
      return [c.dModel];
    case 'q_proj':
    case 'k_proj':
    case 'v_proj':
    case 'attn_out':
      return [c.dModel, c.dModel];
    case 'ff_proj':
    case 'up_proj':
      return [c.mlpHiddenSize, c.dModel];
    case 'ff_out':
      return [c.dModel, c.mlpHiddenSize];
  }
}

/** Every tensor name of the config and its shape, in upstream order (wte, blocks 0..n-1, ln_f, ff_out). */
export function parameterShapes(c: ModelConfig): Array<[name: string, shape: Shape]> {
  const out: Array<[string, Shape]> = [['model.transformer.wte.weight', [c.embeddingSize, c.dModel]]];
  for (let i = 0; i < c.nLayers; i++) for (const t of BLOCK_TENSORS) out.push([`model.transformer.blocks.${i}.${t}.weight`, blockTensorShape(c, t)]);
  out.push(['model.transformer.ln_f.weight', [c.dModel]], ['model.transformer.ff_out.weight', [c.embeddingSize, c.dModel]]);
  return out;
}

/** Tensors by upstream name, in upstream order. The tensors are shared with `params`, not copied. */
export function flattenParameters(params: MaskPredictorParameters): Record<string, Tensor> {
  const t = params.model.transformer;
  const out: Record<string, Tensor> = { 'model.transformer.wte.weight': t.wte.weight };
  t.blocks.forEach((b, i) => {
    for (const name of BLOCK_TENSORS) out[`model.transformer.blocks.${i}.${name}.weight`] = b[name].weight;
  });
  out['model.transformer.ln_f.weight'] = t.ln_f.weight;
  out['model.transformer.ff_out.weight'] = t.ff_out.weight;
  return out;
}

/**
 * The pytree from tensors by upstream name. `get` returns the tensor of a name (it is called once per name
 * of `parameterShapes(c)`, in that order); shapes are not checked here (the checkpoint loader does that).
 */
export function buildParameters(c: ModelConfig, get: (name: string) => Tensor): MaskPredictorParameters {
  const w = (name: string): Weight => ({ weight: get(name) });
  const wte = w('model.transformer.wte.weight');
  const blocks: BlockParameters[] = [];
  for (let i = 0; i < c.nLayers; i++) {
    const p = (t: BlockTensor) => w(`model.transformer.blocks.${i}.${t}.weight`);
    blocks.push({
      attn_norm: p('attn_norm'),
      q_proj: p('q_proj'),
      k_proj: p('k_proj'),
      v_proj: p('v_proj'),
      attn_out: p('attn_out'),
      ff_norm: p('ff_norm'),
      ff_proj: p('ff_proj'),
      up_proj: p('up_proj'),
      ff_out: p('ff_out'),
    });
  }
  return { model: { transformer: { wte, blocks, ln_f: w('model.transformer.ln_f.weight'), ff_out: w('model.transformer.ff_out.weight') } } };
}
