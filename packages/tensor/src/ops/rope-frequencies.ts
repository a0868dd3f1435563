/**
 * RoPE inverse frequencies in f32 arithmetic, step for step as upstream computes them in torch.float32:
 * invFreq[j] = 1 / theta^((2j) / D). Shared by every backend so that all devices rotate by the same angles.
 */
export function ropeInvFreq(theta: number, dim: number): Float32Array {
  const f = Math.fround;
  const half = dim / 2;
  const out = new Float32Array(half);
  const base = f(theta);
  for (let j = 0; j < half; j++) {
    const exponent = f(f(2 * j) / f(dim));
    out[j] = f(1 / f(Math.pow(base, exponent)));
  }
  return out;
}
