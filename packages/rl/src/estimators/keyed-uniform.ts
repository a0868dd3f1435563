import { concat, dispose, uniform, type DeviceName, type PRNGKey, type Tensor } from '@mmada/tensor';

/** @internal f32 [keys.length, width] uniforms in [0, 1); row i is drawn from keys[i] alone. */
export function keyedUniform(keys: readonly PRNGKey[], width: number, device: DeviceName): Tensor {
  const rows = keys.map((k) => uniform(k, [1, width], { device }));
  if (rows.length === 1) return rows[0]!;
  const out = concat(rows, 0);
  dispose(rows);
  return out;
}
