/**
 * Lookup-free quantisation (spec/vq.md §4). A latent position z ∈ R^K (K = bits) becomes the sign pattern
 * bit_c = [z_c > 0] (strict: an exact zero is bit 0, i.e. −1), its token id is Σ_c bit_c·2^(K−1−c) (channel 0
 * is the most significant bit), and a token id decodes to the ±1 vector v_c = 2·bit_c − 1. Tokens are in
 * row-major raster order (index = y·w + x).
 */
import { add, cast, div, floor, gt, mul, reshape, scopeSync, sub, sum, tensor, TensorError, type Tensor } from '@mmada/tensor';

function bitValues(bits: number): number[] {
  return Array.from({ length: bits }, (_, c) => 2 ** (bits - 1 - c));
}

/** z [B, K, h, w] → token ids [B, h·w] (i32). */
export function lfqIds(z: Tensor): Tensor {
  if (z.rank !== 4) throw new TensorError('lfqIds', `z must be [B, bits, h, w], got [${z.shape.join(', ')}]`);
  const [B, K, h, w] = z.shape as [number, number, number, number];
  return scopeSync(() => {
    const powers = tensor(bitValues(K), [1, K, 1, 1], 'i32', { device: z.device });
    const ids = sum(mul(cast(gt(z, 0), 'i32'), powers), 1);
    return reshape(ids, [B, h * w]);
  });
}

/** The quantised latents sign(z) as ±1 (z_c > 0 → +1, else −1), same shape as z. */
export function lfqQuantize(z: Tensor): Tensor {
  return scopeSync(() => sub(mul(cast(gt(z, 0), 'f32'), 2), 1));
}

/**
 * Token ids [B, h·w] (any integer dtype, values in [0, 2^bits)) → codes [B, bits, h, w] of ±1 (f32), as
 * upstream's `get_codebook_entry` viewed as (B, h, w, bits) and permuted to NCHW. Exact for bits ≤ 24.
 */
export function lfqCodes(ids: Tensor, grid: readonly [number, number], bits: number): Tensor {
  const [h, w] = grid;
  if (ids.rank !== 2 || ids.shape[1] !== h * w) {
    throw new TensorError('lfqCodes', `ids must be [B, h·w] = [B, ${h * w}] for the grid ${h}×${w}, got [${ids.shape.join(', ')}]`);
  }
  const B = ids.shape[0]!;
  return scopeSync(() => {
    const divisors = tensor(bitValues(bits), [1, bits, 1, 1], 'f32', { device: ids.device });
    const shifted = floor(div(reshape(cast(ids, 'f32'), [B, 1, h, w]), divisors)); // id >> (K−1−c)
    const bit = sub(shifted, mul(floor(div(shifted, 2)), 2)); // … & 1
    return add(mul(bit, 2), -1);
  });
}

/** The bits of a token id, most significant (channel 0) first. */
export function indexToBits(id: number, bits: number): number[] {
  if (!Number.isInteger(id) || id < 0 || id >= 2 ** bits) throw new RangeError(`token id ${id} is not in [0, ${2 ** bits})`);
  return bitValues(bits).map((p) => Math.floor(id / p) % 2);
}

/** The token id of a bit pattern (channel 0 first); the inverse of indexToBits. */
export function bitsToIndex(bitPattern: readonly number[]): number {
  return bitPattern.reduce((id, b, c) => {
    if (b !== 0 && b !== 1) throw new RangeError(`bit ${c} is ${b}, not 0 or 1`);
    return id * 2 + b;
  }, 0);
}

/** The ±1 codebook [2^bits, bits] (upstream's `quantize.embedding` buffer), row i = the code of id i. */
export function lfqCodebook(bits: number): Float32Array {
  const n = 2 ** bits;
  const out = new Float32Array(n * bits);
  for (let i = 0; i < n; i++) for (let c = 0; c < bits; c++) out[i * bits + c] = Math.floor(i / 2 ** (bits - 1 - c)) % 2 === 1 ? 1 : -1;
  return out;
}
