import { threefry2x32, TensorError, type PRNGKey } from '@mmada/tensor';

/** torch.round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The mask counts of one LLaDA Monte-Carlo batch (`get_log_likelihood.py: forward_process`): for a draw
 * k ∈ {1..L}, row i masks `l_i = ((round(k + i·L/bsz) − 1) mod L) + 1` of the L answer tokens, the values
 * coming from `torch.linspace(k, k + (bsz−1)·L/bsz, bsz)` in float32 and `torch.round` (half to even).
 */
export function monteCarloMaskCounts(k: number, answerLength: number, batchSize: number): number[] {
  const l = answerLength;
  if (!(Number.isInteger(l) && l >= 1)) throw new TensorError('monteCarloMaskCounts', `answerLength must be ≥ 1, got ${l}`);
  if (!(Number.isInteger(k) && k >= 1 && k <= l)) throw new TensorError('monteCarloMaskCounts', `k must be in 1..${l}, got ${k}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new TensorError('monteCarloMaskCounts', `batchSize must be ≥ 1, got ${batchSize}`);
  const f = Math.fround;
  const start = f(k);
  const end = f(k + (batchSize - 1) * (l / batchSize));
  const values: number[] = [];
  if (batchSize === 1) values.push(start);
  else {
    // ATen's linspace: step in the output dtype, the first half counted from start, the rest from end.
    const step = f(f(end - start) / (batchSize - 1));
    const halfway = Math.floor(batchSize / 2);
    for (let i = 0; i < batchSize; i++) values.push(i < halfway ? f(start + f(step * i)) : f(end - f(step * (batchSize - i - 1))));
  }
  return values.map((v) => ((roundHalfEven(v) - 1) % l) + 1);
}

/** @internal k ~ U{1..L} drawn on the host from a key (no device round trip). */
export function drawMaskLevel(k: PRNGKey, answerLength: number): number {
  const [bits] = threefry2x32(k.words[0], k.words[1], 0, 0);
  return 1 + Math.floor((bits! / 2 ** 32) * answerLength);
}
