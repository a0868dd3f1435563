/**
 * The confidence-noise temperature of each MaskGIT step, r = (s+1)/T.
 * `'compounding'` (default; upstream `t2i_generate` overwrites τ each step): τ_s = τ₀·∏_{j=1..s+1}(1 − j/T),
 * e.g. T = 15 gives 0.933, 0.809, 0.647, …, 3.0e-6, 0. `'maskgit'`: τ_s = τ₀·(1 − r).
 */
export function maskgitTemperatures(temperature: number, steps: number, annealing: 'compounding' | 'maskgit' = 'compounding'): number[] {
  const out: number[] = [];
  let tau = temperature;
  for (let s = 0; s < steps; s++) {
    const r = (s + 1) / steps;
    tau = annealing === 'maskgit' ? temperature * (1 - r) : tau * (1 - r);
    out.push(tau);
  }
  return out;
}
