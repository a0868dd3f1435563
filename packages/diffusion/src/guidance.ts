import { add, dispose, mul, sub, type Tensor } from '@mmada/tensor';

/** LLaDA text classifier-free guidance: `uncond + (scale + 1)·(cond − uncond)`. */
export function textGuidance(cond: Tensor, uncond: Tensor, scale: number): Tensor {
  const d = sub(cond, uncond);
  const s = mul(d, scale + 1);
  const y = add(uncond, s);
  dispose([d, s]);
  return y;
}

/** Show-o / MMaDA image classifier-free guidance: `(1 + w)·cond − w·uncond`. */
export function imageGuidance(cond: Tensor, uncond: Tensor, w: number): Tensor {
  const c = mul(cond, 1 + w);
  const u = mul(uncond, w);
  const y = sub(c, u);
  dispose([c, u]);
  return y;
}
