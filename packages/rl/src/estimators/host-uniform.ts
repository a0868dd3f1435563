import { threefry2x32, type PRNGKey } from '@mmada/tensor';

/**
 * @internal One uniform number in [0, 1) from a key, drawn on the host (no device round trip), for the
 * scalar draws of a schedule (t₁, coupled-GRPO's t). Counter word 5 keeps these bits apart from the
 * key-derivation (split: 1, 2; foldIn: 3, 4) and tensor sampling (0) streams of @mmada/tensor.
 */
export function hostUniform(k: PRNGKey): number {
  const [bits] = threefry2x32(k.words[0], k.words[1], 0, 5);
  return bits / 2 ** 32;
}
