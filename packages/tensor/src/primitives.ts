import type { DType } from './dtype.js';

/**
 * The primitive ops every backend implements and every autograd rule is written against.
 * Frontend ops (ops/*.ts) compute shapes, check arguments, and call these; composite ops
 * (clamp, logSumExp, ...) are built from them and need no rule of their own.
 */
export type UnaryOp =
  | 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu'
  | 'square' | 'reciprocal' | 'sign' | 'floor' | 'round' | 'logicalNot' | 'erf'
  | 'silu' | 'geluTanh' | 'geluErf'
  /** u32 random bits -> f32 uniform in [0, 1) using the top 23 bits (exactly the same on every device). */
  | 'bitsToUnit';

/** The activations whose backward is one fused kernel (`activationBackward`). */
export type ActivationOp = 'silu' | 'geluErf' | 'geluTanh';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'logicalAnd' | 'logicalOr';

export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr']);

export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';
export type ArgReduceOp = 'argmax' | 'argmin';

/** How `matmulMany` groups its products: which operand they share, or a sum of them. */
export type MatmulGroup = 'sharedA' | 'sharedB' | 'sum';

/** Where rope reads and writes the head axis: see the `rope` primitive. */
export type RopeLayout = 'same' | 'splitHeads' | 'mergeHeads';

/** Parameters of each primitive. Inputs/outputs are described in the comment of each entry. */
export interface PrimitiveParams {
  /** x -> y, same shape. dtype: see ops/elementwise.ts. */
  unary: { op: UnaryOp };
  /** a, b (same dtype, broadcastable, same rank) -> y of the broadcast shape; comparisons give bool. */
  binary: { op: BinaryOp };
  /** cond (bool), a, b (same dtype), all broadcastable, same rank -> y. */
  where: Record<string, never>;
  /** x -> y of another dtype. Float -> int truncates toward zero; bool is x != 0. */
  cast: { dtype: DType };
  /** x -> y with the reduced axes kept as size 1. */
  reduce: { op: ReduceOp; axes: number[] };
  /** x -> i32 index along axis, kept as size 1. Ties: the lowest index. */
  argReduce: { op: ArgReduceOp; axis: number };
  /**
   * a [..., M, K] (or [..., K, M] if transA), b [..., K, N] (or [..., N, K] if transB), same rank, batch dims
   * broadcast -> f32 [..., M, N]. a is f32; b is f32, f16 or bf16 (a half-precision weight is decoded as it is read,
   * never copied to f32). Accumulation is in f32 or better. With hasAddend, a third input c f32 [..., M, N] (the
   * result's shape) is added: y = a·b + c, in the same pass (a residual, or a gradient gathered elsewhere).
   */
  matmul: { transA: boolean; transB: boolean; hasAddend?: boolean };
  /**
   * Several 2-D matmuls in one pass, op(x) = x or xᵀ alike for every product, n = count (1–3) products:
   * - 'sharedA': a, b_1 … b_n -> y_1 … y_n, y_i = op(a)·op(b_i) (one input times several weights: q, k and v);
   * - 'sharedB': a_1 … a_n, b -> y_1 … y_n, y_i = op(a_i)·op(b);
   * - 'sum': a_1 … a_n, b_1 … b_n (+ c f32 [M, N] when hasAddend) -> y = Σ_i op(a_i)·op(b_i) (+ c), one output.
   * Every operand f32, every result f32 [M_i, N_i], accumulation in f32 or better. The three are each other's
   * gradients (see autograd's matmulMany rule).
   */
  matmulMany: { group: MatmulGroup; count: number; transA: boolean; transB: boolean; hasAddend?: boolean };
  /** No kernel: the output shares the input's storage. */
  reshape: { shape: number[] };
  transpose: { perm: number[] };
  /** y = x[begin_i : begin_i + size_i] on every axis (out shape = size). */
  slice: { begin: number[]; size: number[] };
  /** x (same rank as shape, 1s broadcast) -> y of shape. */
  broadcastTo: { shape: number[] };
  /** constant padding: out dim i = before_i + x_i + after_i. */
  pad: { before: number[]; after: number[]; value: number };
  /** inputs equal but on axis -> y. */
  concat: { axis: number };
  /** x, indices (i32, any shape) -> x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:]. Out-of-range reads 0. */
  gather: { axis: number };
  /** x, indices (i32, same rank as x, equal off axis) -> y of indices' shape: y[..i..] = x[..indices[..i..]..]. */
  takeAlongAxis: { axis: number };
  /** x, indices, values (indices' shape) -> copy of x with values written ('set') or added ('add') at indices. */
  putAlongAxis: { axis: number; mode: 'set' | 'add' };
  /** x -> values, indices (i32) sorted along the last axis; stable (ties keep index order). */
  sort: { descending: boolean };
  /** x -> values [..., k], indices [..., k] (i32): the k largest along the last axis, ties lower index first. */
  topk: { k: number };
  /** () -> u32 bits of the counter-based generator for `key`, bits[i] = threefry2x32(key, i). */
  randomBits: { key: readonly [number, number] };
  /** () -> tensor filled with value. */
  fill: { value: number };
  /** () -> start + i * step. */
  arange: { start: number; step: number };

  // ---- neural-network primitives (fused kernels); all compute and return f32 ----

  /** x f32 [..., N] -> y f32: exp(x - max) / Σ exp(x - max) over the last axis. A row whose max is -Infinity gives NaN. */
  softmax: Record<string, never>;
  /** x f32 [..., N] -> y f32: x - max - log Σ exp(x - max) over the last axis. A row whose max is -Infinity gives NaN. */
  logSoftmax: Record<string, never>;
  /**
   * x f32 [..., D] (+ weight f32 [D] when hasWeight) -> y f32 [..., D]:
   * y = x / sqrt(mean(x²) + eps), times weight when hasWeight. Statistics over the last axis.
   */
  rmsNorm: { eps: number; hasWeight: boolean };
  /**
   * x f32 [..., D] (+ weight f32 [D] when hasWeight) (+ bias f32 [D] when hasBias; inputs in that order) -> y:
   * y = (x - mean) / sqrt(var + eps) · weight + bias, biased variance over the last axis.
   */
  layerNorm: { eps: number; hasWeight: boolean; hasBias: boolean };
  /**
   * x f32 [N, C, ...spatial] (+ weight f32 [C]) (+ bias f32 [C]) -> y like x. C is split into `groups` groups of
   * C / groups consecutive channels; mean and biased variance over each (n, group)'s channels and spatial positions;
   * y = (x - mean) / sqrt(var + eps) · weight[c] + bias[c]; with silu, silu(y) = y·sigmoid(y) instead (a
   * pre-activation norm in one kernel).
   */
  groupNorm: { groups: number; eps: number; hasWeight: boolean; hasBias: boolean; silu?: boolean };
  /**
   * Rotary position embedding, NeoX rotate-half layout. x f32 [B, H, T, D] (D even), positions i32 [T] or [B, T]
   * -> y like x. With h = D/2, p = positions[(b,) t], in f32 arithmetic:
   * invFreq[j] = 1 / theta^((2j) / D) (j < h), a = p · invFreq[j mod h],
   * y[j] = x[j]·cos a - x[j+h]·sin a for j < h;  y[j] = x[j]·cos a + x[j-h]·sin a for j ≥ h.
   * inverse rotates by -a (sin a negated: the transpose, i.e. the backward). layout 'splitHeads' reads x as
   * [B, T, H, D] and writes y [B, H, T, D]; 'mergeHeads' reads x [B, H, T, D] and writes y [B, T, H, D] (a head
   * split or merge in the same pass); 'same' keeps x's layout [B, H, T, D]. count (default 1) x of one shape may
   * come before positions (queries and keys): one output each, rotated alike.
   */
  rope: { theta: number; inverse: boolean; layout: RopeLayout; count?: number };
  /**
   * Bidirectional scaled dot-product attention. Inputs q f32 [B, H, Tq, D], k f32 [B, H, Tk, D], v f32 [B, H, Tk, Dv],
   * then mask bool [B, T] when hasMask (T = Tq = Tk; true = real token), then bias f32 rank 4 broadcastable to
   * [B, H, Tq, Tk] when hasBias -> out f32 [B, H, Tq, Dv].
   * s[i, j] = scale · q_i·k_j + bias[i, j] + (mask[b, i] ∧ mask[b, j] ? 0 : -3.4028235e38), out_i = Σ_j softmax_j(s)·v_j.
   * A pad query row therefore attends uniformly over all keys (never NaN). A row whose scores are all -Infinity
   * (only possible through bias) gives 0. With tokenMajorValues, v is [B, Tk, H, Dv] and out [B, Tq, H, Dv].
   */
  attention: { scale: number; hasMask: boolean; hasBias: boolean; tokenMajorValues: boolean };
  /** gate, up (f32, one shape) -> y f32 of that shape: silu(gate)·up = (gate·sigmoid(gate))·up (SwiGLU's gating). */
  swiglu: Record<string, never>;
  /**
   * logits f32 [R, V], targets i32 [R] -> loss f32 [R]: logSumExp(logits[r]) - logits[r, targets[r]].
   * targets[r] == ignoreIndex gives 0; any other target outside [0, V) gives NaN.
   */
  crossEntropy: { ignoreIndex: number };
  /**
   * 2-D convolution (cross-correlation), NCHW. x f32 [N, C, H, W], w f32 [O, C, kh, kw] (+ bias f32 [O] when hasBias)
   * -> y f32 [N, O, Ho, Wo] with zero padding [top, bottom, left, right]:
   * y[n,o,i,j] = bias[o] + Σ_{c,u,v} w[o,c,u,v] · x[n, c, i·sh + u·dh - top, j·sw + v·dw - left] (0 outside x),
   * Ho = floor((H + top + bottom - dh·(kh-1) - 1) / sh) + 1, Wo likewise.
   */
  conv2d: { stride: [number, number]; padding: [number, number, number, number]; dilation: [number, number]; hasBias: boolean };

  // ---- fused backward primitives (autograd's rules call them; they are not themselves differentiable) ----

  /**
   * The input gradient of `conv2d` (same stride, padding and dilation). gradOut f32 [N, O, Ho, Wo], w f32
   * [O, C, kh, kw] -> dx f32 [N, C, H, W] (H, W from the output spec; the forward's input size):
   * dx[n,c,y,x] = Σ_{o,u,v,i,j} gradOut[n,o,i,j] · w[o,c,u,v] over i·sh + u·dh − top = y, j·sw + v·dw − left = x.
   */
  conv2dBackwardInput: { stride: [number, number]; padding: [number, number, number, number]; dilation: [number, number] };
  /**
   * The weight gradient of `conv2d` (same stride, padding and dilation). x f32 [N, C, H, W], gradOut f32
   * [N, O, Ho, Wo] -> dw f32 [O, C, kh, kw] (kh, kw from the output spec):
   * dw[o,c,u,v] = Σ_{n,i,j} gradOut[n,o,i,j] · x[n, c, i·sh + u·dh − top, j·sw + v·dw − left] (0 outside x).
   */
  conv2dBackwardWeight: { stride: [number, number]; padding: [number, number, number, number]; dilation: [number, number] };

  /**
   * The backward of `swiglu`. gate, up, gradOut (f32, one shape) -> dgate, dup (f32, that shape), s = sigmoid(gate):
   * dgate = gradOut·up·s·(1 + gate·(1 − s)), dup = gradOut·gate·s.
   */
  swigluBackward: Record<string, never>;
  /**
   * The backward of the unary activation `op`. x, gradOut (f32, one shape) -> dx f32 = gradOut·f'(x), f' in the
   * forward's own terms: silu' = s·(1 + x·(1 − s)) with s = sigmoid(x); geluErf' = Φ(x) + x·φ(x); geluTanh' =
   * ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²) with t = tanh(√(2/π)(x + 0.044715x³)).
   */
  activationBackward: { op: ActivationOp };

  /**
   * The backward of `attention` (same params). Inputs q, k, v, then mask when hasMask, then bias when hasBias (as
   * in `attention`), then out f32 [B, H, Tq, Dv] (the forward's output) and gradOut f32 [B, H, Tq, Dv]
   * -> dq f32 [B, H, Tq, D], dk f32 [B, H, Tk, D], dv f32 [B, H, Tk, Dv], and when hasBias dscores f32 [B, H, Tq, Tk]
   * (the gradient of the bias before it is summed down to the bias's broadcast shape).
   * With s and p = softmax(s) recomputed exactly as the forward computes them, Δ_i = gradOut_i·out_i:
   * dv_j = Σ_i p_ij·gradOut_i, ds_ij = p_ij·(gradOut_i·v_j − Δ_i), set to 0 for pairs the mask drops (their score is
   * the constant −3.4028235e38: the finite part is absorbed in f32), dq_i = scale·Σ_j ds_ij·k_j,
   * dk_j = scale·Σ_i ds_ij·q_i, dscores = ds. A pad query row (uniform attention) gives gradient to v only;
   * a row whose scores are all -Infinity gives none. No [Tq, Tk] buffer exists unless dscores is asked for.
   */
  attentionBackward: { scale: number; hasMask: boolean; hasBias: boolean; tokenMajorValues: boolean };
  /**
   * The backward of `crossEntropy` (same params). logits f32 [R, V], targets i32 [R], gradOut f32 [R] -> dlogits f32
   * [R, V] = gradOut[r]·(softmax(logits[r]) − onehot(targets[r])). Rows whose target is ignoreIndex give exactly 0;
   * rows with any other target outside [0, V) give NaN (their loss is NaN).
   */
  crossEntropyBackward: { ignoreIndex: number };
  /**
   * The backward of `rmsNorm` (same params). x f32 [..., D] (+ weight f32 [D] when hasWeight), gradOut f32 [..., D]
   * -> dx f32 [..., D], and when hasWeight dwRows f32 [..., D] = gradOut·x̂ (the weight's gradient before it is
   * summed over the rows). Per row, with r = 1/√(mean(x²) + eps), x̂ = x·r, g = gradOut·weight (or gradOut):
   * dx = r·(g − x̂·mean(g·x̂)). When hasAddend, a last input addend f32 [..., D] is added: dx = r·(…) + addend (the
   * gradient x gathered elsewhere, e.g. through a residual connection, accumulated in the same pass).
   */
  rmsNormBackward: { eps: number; hasWeight: boolean; hasAddend: boolean };
  /**
   * The backward of `groupNorm` (same params). x f32 [N, C, ...], weight f32 [C] when hasWeight, gradOut f32 (x's
   * shape) -> dx f32 (x's shape), then dweight f32 [C] when hasWeight and dbias f32 [C] when hasBias: with x̂ and
   * r = 1/σ of x's group as the forward computes them and g = gradOut·weight[c],
   * dx = r·(g − mean(g) − x̂·mean(g·x̂)) over the group, dweight[c] = Σ gradOut·x̂ and dbias[c] = Σ gradOut over
   * channel c's positions in every image (summed per image, then over the images in order). When hasAddend, a last
   * input addend f32 (x's shape) is added to dx in the same pass (the gradient x gathered elsewhere, e.g. through a
   * residual connection). With silu (the forward's), gradOut is the gradient of silu(y): gradOut·silu'(y) takes its
   * place above, y recomputed from x̂, weight and bias; the bias is then an input after the weight (when hasBias).
   */
  groupNormBackward: { groups: number; eps: number; hasWeight: boolean; hasBias: boolean; hasAddend: boolean; silu?: boolean };

  // ---- optimizer primitives (one pass over a parameter instead of a dozen elementwise ops; not differentiable) ----

  /**
   * One Adam / AdamW step of one parameter. Inputs g, m, v (f32, one shape), then p (f32, that shape) when
   * hasParam, then scale f32 [1] when hasScale -> m', v', u (f32, that shape). Each operation rounds to f32, in
   * this order (so the result equals the same sequence of elementwise ops):
   *   g' = g·scale (g without a scale);  m' = m·b1 + g'·c1;  v' = v·b2 + g'²·c2;
   *   u = (m' / (√v' / sqrtBc2 + eps))·(−stepSize), then u − p·decay when decay ≠ 0, then p + u when apply.
   * Every number param is used as the nearest f32. hasParam must be true when decay ≠ 0 or apply. Only elements
   * [0, decayEnd) decay (a flat buffer of many parameters puts the decayed ones first). With maxNorm > 0 the scale
   * input is a squared global norm n² and the scale is min(maxNorm / (√n² + 1e-6), 1), each operation in f32 (a
   * global-norm clip folded into the step).
   */
  adamUpdate: { b1: number; c1: number; b2: number; c2: number; eps: number; sqrtBc2: number; stepSize: number; decay: number; decayEnd: number; hasParam: boolean; hasScale: boolean; apply: boolean; maxNorm?: number };
  /**
   * x_0, …, x_{n-1} (f32, any shapes, n ≥ 1) -> f32 [total]: x_i flattened at offsets[i] (ascending, each segment
   * ending at or before the next offset), zeros everywhere else. Many tensors as one buffer, for one kernel over all.
   * With `rows`, x_i is rows[i] rows of size(x_i) / rows[i] elements summed into its segment (row 0 first): the
   * leading-axis sums of many gradients in one dispatch.
   */
  packFlat: { offsets: number[]; total: number; rows?: number[] };
  /** x_0, …, x_{n-1} (f32, any shapes, n ≥ 1) -> f32 [1]: the sum of the squares of all their elements (f32 or better). */
  sumOfSquares: Record<string, never>;
}

export type PrimitiveName = keyof PrimitiveParams;
