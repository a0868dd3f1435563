/**
 * The forward pass of the LLaDA / MMaDA mask predictor (spec/model.md §3): token ids → logits at every
 * position, no shift, no causal mask.
 *
 *   h = wte[ids]
 *   per block:  h += attn_out( attention( rope(q), rope(k), v ) )   on RMSNorm(h; attn_norm)
 *               h += ff_out( silu(ff_proj(m)) ⊙ up_proj(m) )        on m = RMSNorm(h; ff_norm)
 *   logits = ff_out_head( RMSNorm(h; ln_f) )
 *
 * Every step is a differentiable @mmada/tensor op, so the same function trains under @mmada/autograd.
 */
import {
  arange,
  attention,
  cast,
  embedding,
  matmul,
  matmulMany,
  reshape,
  rmsNorm,
  ropeMany,
  scopeSync,
  sliceAxis,
  swiglu,
  TensorError,
  transpose,
  type Tensor,
} from '@mmada/tensor';
import { headDim, type ModelConfig } from '../config/model-config.js';
import { alibiBias } from './alibi-bias.js';
import type { BlockParameters, MaskPredictorParameters } from './parameters.js';

export interface ForwardOptions {
  /**
   * [B, T] pad mask, nonzero = real token. Position pairs (i, j) where either is a pad are masked out of
   * attention (spec §3): real rows are exactly key-masked, pad rows attend uniformly and are meaningless.
   * Omitted: full attention.
   */
  readonly padMask?: Tensor;
  /**
   * Ignore `padMask` and attend everywhere, as upstream code did before the pad-mask fix (MMaDA-8B-Base and
   * -MixCoT were trained that way; spec Quirk 9.1). Default false.
   */
  readonly ignorePadMask?: boolean;
  /**
   * Logits only for positions from this one on (default 0): the result is [B, T − logitsFrom, V]. For a loss that
   * never reads the earlier positions (an SFT prompt shared by every row), the final norm and the LM head (V × d
   * per position, the largest product of a big vocabulary) skip them. The blocks still see every position.
   */
  readonly logitsFrom?: number;
}

/** x [..., in] · Wᵀ with W [out, in] (+ residual, added in the same kernel). */
const linear = (x: Tensor, w: Tensor, residual?: Tensor): Tensor => matmul(x, w, { transB: true, addend: residual });

/**
 * x [..., in] times several weights W_i [out_i, in] in one pass (q, k and v; gate and up): the rows of x folded
 * into one matrix, each product back in x's leading shape. Its gradient is one pass for x and one for every W_i.
 */
function linears(x: Tensor, ws: readonly Tensor[]): Tensor[] {
  const lead = x.shape.slice(0, -1);
  const rows = reshape(x, [lead.reduce((p, d) => p * d, 1), x.shape[x.rank - 1]!]);
  return matmulMany('sharedA', [rows], ws, { transB: true }).map((y) => reshape(y, [...lead, y.shape[1]!]));
}

/** [B, T, d] → [B, H, T, d/H]. */
function splitHeads(x: Tensor, nHeads: number): Tensor {
  const [B, T, d] = x.shape as [number, number, number];
  const r = reshape(x, [B, T, nHeads, d / nHeads]);
  return transpose(r, [0, 2, 1, 3]);
}

/** [B, H, T, hd] → [B, T, H·hd]. */
function mergeHeads(x: Tensor): Tensor {
  const [B, H, T, hd] = x.shape as [number, number, number, number];
  return reshape(transpose(x, [0, 2, 1, 3]), [B, T, H * hd]);
}

/**
 * @internal Sees each layer's keys and values of the positions being computed ([B, H, T, hd], keys after
 * RoPE). It may keep them (a cache being filled) or answer the keys and values to attend to instead, with an
 * additive score bias broadcastable to [B, H, T, Tk] (a cache being read: pad mask and, with ALiBi, the distances
 * from the queries to every key); undefined attends to k, v as usual.
 */
export type KeyValueHook = (layer: number, k: Tensor, v: Tensor) => { k: Tensor; v: Tensor; bias?: Tensor } | undefined;

/** @internal Per-call inputs of every block. */
interface BlockContext {
  readonly positions: Tensor;
  readonly padMask: Tensor | undefined;
  readonly keyValues: KeyValueHook | undefined;
  /** ALiBi's bias [1, H, T, T] among the call's own positions, made once for every layer; undefined without ALiBi. */
  readonly alibi: Tensor | undefined;
}

/** ALiBi's bias among positions start … start+T−1, or undefined where the config has no ALiBi. */
function alibiAmong(c: ModelConfig, start: number, t: number, device: Tensor['device']): Tensor | undefined {
  return c.alibiBiasMax === undefined ? undefined : alibiBias(c.nHeads, c.alibiBiasMax, start, t, start, t, device);
}

/**
 * q and k [B, T, d] → [B, H, T, d/H] with RoPE where the config has it (every LLaDA / MMaDA checkpoint): the head
 * split and the rotation of both in one kernel; plain head splits where `rope` is false.
 */
function rotaryHeads(q: Tensor, k: Tensor, c: ModelConfig, positions: Tensor): [Tensor, Tensor] {
  if (c.rope === false) return [splitHeads(q, c.nHeads), splitHeads(k, c.nHeads)];
  const [B, T, d] = q.shape as [number, number, number];
  const heads = (x: Tensor) => reshape(x, [B, T, c.nHeads, d / c.nHeads]);
  return ropeMany([heads(q), heads(k)], positions, c.ropeTheta, { splitHeads: true }) as [Tensor, Tensor];
}

function attentionBranch(h: Tensor, p: BlockParameters, c: ModelConfig, ctx: BlockContext, layer: number): Tensor {
  const n = rmsNorm(h, p.attn_norm.weight, c.rmsNormEps);
  const [qProj, kProj, vProj] = linears(n, [p.q_proj.weight, p.k_proj.weight, p.v_proj.weight]) as [Tensor, Tensor, Tensor];
  const [q, k] = rotaryHeads(qProj, kProj, c, ctx.positions);
  const scale = 1 / Math.sqrt(headDim(c));
  if (!ctx.keyValues) {
    // v and the output stay token-major ([B, T, H, hd], reshapes of [B, T, d]): no head split or merge copies
    const [B, T, d] = vProj.shape as [number, number, number];
    const a = attention(q, k, reshape(vProj, [B, T, c.nHeads, d / c.nHeads]), { keyPadMask: ctx.padMask, bias: ctx.alibi, scale, tokenMajorValues: true });
    return linear(reshape(a, [B, T, d]), p.attn_out.weight, h);
  }
  const v = splitHeads(vProj, c.nHeads);
  const other = ctx.keyValues(layer, k, v);
  // A cache's answer carries its own bias (pad mask and, with ALiBi, the window's distances).
  const a = other
    ? attention(q, other.k, other.v, { bias: other.bias, scale })
    : attention(q, k, v, { keyPadMask: ctx.padMask, bias: ctx.alibi, scale });
  return linear(mergeHeads(a), p.attn_out.weight, h);
}

/** h + the MLP branch on h (the residual added by the down projection's kernel). */
function mlpBranch(h: Tensor, p: BlockParameters, c: ModelConfig): Tensor {
  const m = rmsNorm(h, p.ff_norm.weight, c.rmsNormEps);
  const [gate, up] = linears(m, [p.ff_proj.weight, p.up_proj.weight]) as [Tensor, Tensor];
  const gated = swiglu(gate, up);
  return linear(gated, p.ff_out.weight, h);
}

/** One pre-norm block; intermediates are freed as soon as the block's output exists. */
function block(h: Tensor, p: BlockParameters, c: ModelConfig, ctx: BlockContext, layer: number): Tensor {
  return scopeSync(() => {
    const h1 = attentionBranch(h, p, c, ctx, layer);
    return mlpBranch(h1, p, c);
  });
}

/** @internal Checks ids [B, T] and the pad mask against the config (shared with the key/value cache). */
export function checkInputs(c: ModelConfig, ids: Tensor, padMask: Tensor | undefined): void {
  if (ids.rank !== 2) throw new TensorError('maskPredictorForward', `ids must be [B, T], got [${ids.shape.join(', ')}]`);
  if (ids.dtype !== 'i32' && ids.dtype !== 'u32') throw new TensorError('maskPredictorForward', `ids must be i32, got ${ids.dtype}`);
  if (padMask && (padMask.rank !== 2 || padMask.shape[0] !== ids.shape[0] || padMask.shape[1] !== ids.shape[1])) {
    throw new TensorError('maskPredictorForward', `padMask must match ids [${ids.shape.join(', ')}], got [${padMask.shape.join(', ')}]`);
  }
  if (c.nLayers === 0) throw new TensorError('maskPredictorForward', 'the config has no layers');
}

/**
 * Logits [B, T, embeddingSize] (f32) for token ids [B, T]. The logits at position i predict the token at
 * position i. Positions are absolute (0..T-1, left padding included). Intermediates are freed; the result
 * belongs to the caller.
 */
export function maskPredictorForward(params: MaskPredictorParameters, config: ModelConfig, ids: Tensor, options: ForwardOptions = {}): Tensor {
  const padMask = options.ignorePadMask ? undefined : options.padMask;
  checkInputs(config, ids, padMask);
  const from = options.logitsFrom ?? 0;
  if (!(Number.isInteger(from) && from >= 0 && from < ids.shape[1]!)) {
    throw new TensorError('maskPredictorForward', `logitsFrom must be an integer in [0, ${ids.shape[1]}), got ${from}`);
  }
  return transformerLogits(params, config, ids, 0, padMask, undefined, from);
}

/**
 * @internal The forward pass over ids [B, T] sitting at positions start..start+T−1 (RoPE), with a hook on
 * every layer's keys and values (the key/value cache). `padMask` [B, T] is used where the hook answers nothing.
 */
export function transformerLogits(
  params: MaskPredictorParameters, config: ModelConfig, ids: Tensor, start: number, padMask: Tensor | undefined, keyValues: KeyValueHook | undefined,
  logitsFrom = 0,
): Tensor {
  const t = params.model.transformer;
  if (t.blocks.length !== config.nLayers) {
    throw new TensorError('maskPredictorForward', `the parameters have ${t.blocks.length} blocks but the config says n_layers = ${config.nLayers}`);
  }
  return scopeSync(() => {
    const positions = arange(start, start + ids.shape[1]!, 1, 'i32', { device: ids.device });
    const ctx: BlockContext = { positions, padMask, keyValues, alibi: alibiAmong(config, start, ids.shape[1]!, ids.device) };
    // The residual stream is f32 even when the weights are kept in f16.
    const e = embedding(t.wte.weight, ids);
    let h = e.dtype === 'f32' ? e : cast(e, 'f32');
    t.blocks.forEach((p, layer) => {
      const next = block(h, p, config, ctx, layer);
      h.dispose();
      h = next;
    });
    const kept = logitsFrom > 0 ? sliceAxis(h, 1, logitsFrom, ids.shape[1]!) : h;
    return linear(rmsNorm(kept, t.ln_f.weight, config.rmsNormEps), t.ff_out.weight);
  });
}
