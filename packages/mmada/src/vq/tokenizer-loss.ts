/**
 * The training objective of a small LFQ tokenizer, differentiable with @mmada/autograd (README "Training a
 * tokenizer" states it in full):
 *
 *   z  = encoder(x)                                  [B, K, h, w], K = bits
 *   q  = sign(z) ∈ {−1, +1}^K                        (z_c > 0 → +1), no gradient
 *   ẑ  = z + sg(q − z)                               straight-through: the value of q, the gradient of z
 *   x̂  = decoder(ẑ)
 *   L  = recon(x̂, x) + β·mean((z − sg(q))²) + λ·(H_sample − γ·H_codebook)
 *
 * recon is mean |x̂ − x| ('l1') or mean (x̂ − x)² ('l2'). The entropy term is the LFQ one, with the soft code
 * distribution q(c | z) ∝ exp(−‖z − c‖² / τ) over the 2^K codes c ∈ {−1, +1}^K, which factorises exactly into
 * independent bits with logits (−(z_k − 1)², −(z_k + 1)²) / τ, i.e. P(bit k = 1) = sigmoid(4·z_k / τ):
 *  - 'per-bit' (default; upstream Show-o's LFQuantizer): H_sample = mean over positions and bits of the bit
 *    entropy; H_codebook = mean over bits of the entropy of the batch-mean bit distribution.
 *  - 'exact' (K ≤ 16): H_sample = mean over positions of the entropy of q(· | z) over all 2^K codes (= the sum
 *    of the bit entropies), H_codebook = the entropy of the batch-mean of q(· | z) over all 2^K codes, both
 *    divided by K so that the weights mean the same in both modes.
 * Entropies are in nats.
 */
import {
  abs, add, concat, exp, expandDims, log, logSoftmax, matmul, maximum, mean, mul, neg, reshape, sliceAxis, square, squeeze, sub, sum, tensor,
  transpose,
  TensorError, type Tensor,
} from '@mmada/tensor';
import { stopGradient } from '@mmada/autograd';
import { decoderForward } from './vq-decoder.js';
import { encoderForward } from './vq-encoder.js';
import type { VqConfig } from './vq-config.js';
import { lfqCodebook, lfqQuantize } from './lfq.js';
import type { VqParameters } from './vq-parameters.js';

export interface TokenizerLossOptions {
  /** 'l1' (default) or 'l2'. */
  readonly reconstruction?: 'l1' | 'l2';
  /** β, the commitment weight (default 0.25). */
  readonly commitmentWeight?: number;
  /** λ, the entropy weight (default 0.1; 0 skips the entropy computation). */
  readonly entropyWeight?: number;
  /** γ, the weight of the codebook (batch) entropy inside the entropy term (default 1). */
  readonly diversityWeight?: number;
  /** τ of the soft code distribution (default 1, as upstream). */
  readonly temperature?: number;
  /** How the codebook entropy is computed (default 'per-bit'). */
  readonly codebookEntropy?: 'per-bit' | 'exact';
}

/** The parts of the loss, each a scalar tensor (the caller owns them). */
export interface TokenizerLossParts {
  readonly reconstruction: Tensor;
  readonly commitment: Tensor;
  readonly sampleEntropy: Tensor;
  readonly codebookEntropy: Tensor;
}

const EXACT_MAX_BITS = 16;

/** Σ over the last axis of −p·log p, given log p. */
const entropyFromLogProbs = (logp: Tensor, axis = -1): Tensor => neg(sum(mul(exp(logp), logp), axis));

/** −Σ P·log P of probabilities (zeros contribute 0). */
const entropyOfProbs = (p: Tensor, axis = -1): Tensor => neg(sum(mul(p, log(maximum(p, 1e-30))), axis));

/**
 * The entropy term's two entropies for latents z [B, K, h, w] (in nats; per bit, see the file comment).
 */
export function lfqEntropies(z: Tensor, options: Pick<TokenizerLossOptions, 'temperature' | 'codebookEntropy'> = {}): { sample: Tensor; codebook: Tensor } {
  const [B, K, h, w] = z.shape as [number, number, number, number];
  const tau = options.temperature ?? 1;
  const flat = reshape(transpose(z, [0, 2, 3, 1]), [B * h * w, K]); // [N, K]
  const logits = concat([expandDims(neg(square(sub(flat, 1))), -1), expandDims(neg(square(add(flat, 1))), -1)], -1); // [N, K, 2]: (+1, −1)
  const logp = logSoftmax(tau === 1 ? logits : mul(logits, 1 / tau), -1);
  if ((options.codebookEntropy ?? 'per-bit') === 'per-bit') {
    const sample = mean(entropyFromLogProbs(logp));
    const codebook = mean(entropyOfProbs(mean(exp(logp), 0)));
    return { sample, codebook };
  }
  if (K > EXACT_MAX_BITS) throw new TensorError('lfqEntropies', `the exact codebook entropy enumerates 2^${K} codes; use 'per-bit' above ${EXACT_MAX_BITS} bits`);
  // log q(c | z_n) = Σ_k [b_ck·log P(bit k = 1) + (1 − b_ck)·log P(bit k = 0)], for every code c (MSB first).
  const codes = lfqCodebook(K);
  const bitIsOne = tensor(codes.map((v) => (v > 0 ? 1 : 0)), [2 ** K, K], 'f32', { device: z.device });
  const logOne = squeeze(sliceAxis(logp, 2, 0, 1), 2); // [N, K]
  const logZero = squeeze(sliceAxis(logp, 2, 1, 2), 2);
  const logq = add(matmul(logOne, bitIsOne, { transB: true }), matmul(logZero, sub(1, bitIsOne), { transB: true })); // [N, 2^K]
  const sample = mul(mean(entropyFromLogProbs(logq)), 1 / K);
  const codebook = mul(entropyOfProbs(mean(exp(logq), 0)), 1 / K);
  return { sample, codebook };
}

/**
 * The loss of a tokenizer on images [B, 3, H, W] in [−1, 1]: returns `[loss, parts]` as valueAndGrad's
 * `hasAux` expects. Only `params` is differentiated.
 */
export function tokenizerLoss(
  params: VqParameters,
  config: VqConfig,
  images: Tensor,
  options: TokenizerLossOptions = {},
): [Tensor, TokenizerLossParts] {
  const z = encoderForward(config, params.encoder, images);
  const q = lfqQuantize(stopGradient(z));
  const zq = add(z, stopGradient(sub(q, z)));
  const out = decoderForward(config, params.decoder, zq);
  const diff = sub(out, images);
  const reconstruction = (options.reconstruction ?? 'l1') === 'l1' ? mean(abs(diff)) : mean(square(diff));
  const commitment = mean(square(sub(z, q)));
  const lambda = options.entropyWeight ?? 0.1;
  const { sample, codebook } = lambda === 0 ? { sample: tensor(0, [], 'f32', { device: z.device }), codebook: tensor(0, [], 'f32', { device: z.device }) } : lfqEntropies(z, options);
  const entropyTerm = mul(sub(sample, mul(codebook, options.diversityWeight ?? 1)), lambda);
  const loss = add(add(reconstruction, mul(commitment, options.commitmentWeight ?? 0.25)), entropyTerm);
  return [loss, { reconstruction, commitment, sampleEntropy: sample, codebookEntropy: codebook }];
}
