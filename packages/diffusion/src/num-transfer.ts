import { add, cast, div, dispose, expandDims, floor, gt, mul, sub, TensorError, type Tensor } from '@mmada/tensor';

/**
 * How many masked tokens each of `steps` steps commits when `n` must be committed: every step gets
 * `floor(n/steps)` and the first `n mod steps` steps one more. `numTransfer(32, 10)` = [4,4,3,3,3,3,3,3,3,3].
 */
export function numTransfer(n: number, steps: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new TensorError('numTransfer', `n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(steps) || steps < 1) throw new TensorError('numTransfer', `steps must be a positive integer, got ${steps}`);
  const base = Math.floor(n / steps);
  const extra = n % steps;
  return Array.from({ length: steps }, (_, s) => base + (s < extra ? 1 : 0));
}

/**
 * @internal numTransfer on the device, one count per row: `counts` i32 [B] → a function giving step s's
 * counts as i32 [B, 1]. Nothing is read back.
 */
export function numTransferPerRow(counts: Tensor, steps: number): { at(step: number): Tensor; dispose(): void } {
  const q = div(counts, steps);
  const qf = floor(q);
  const base = cast(qf, 'i32');
  const used = mul(base, steps);
  const rem = sub(counts, used);
  dispose([q, qf, used]);
  return {
    at(step: number): Tensor {
      const extra = gt(rem, step);
      const extraI = cast(extra, 'i32');
      const k = add(base, extraI);
      const col = expandDims(k, -1);
      dispose([extra, extraI]);
      k.dispose();
      return col;
    },
    dispose: () => dispose([base, rem]),
  };
}
