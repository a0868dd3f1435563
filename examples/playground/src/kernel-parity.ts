/**
 * The shared op suite (packages/tensor/test/op-parity-cases.ts) run inside the page: each case on the page's
 * WebGPU device and on the cpu reference with the same seeded inputs, compared as the Node suite compares
 * them (integer/bool outputs exactly, floats within the case's tolerance). This tests the browser's WebGPU
 * implementation as the Node suite tests Dawn's.
 */
import { scope, type Tensor } from '@mmada/tensor';
import { OP_PARITY_CASES, runOpCase, type OpCase } from '../../../packages/tensor/test/op-parity-cases.js';

export interface ParityOutcome {
  readonly name: string;
  /** undefined when every output matched; otherwise the first mismatch. */
  readonly failure?: string;
}

/**
 * The first element where `got` and `want` differ by more than atol + rtol·|want|, as a message; undefined when
 * none does. NaN must meet NaN; equal infinities match.
 */
export function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): string | undefined {
  if (got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const x = got[i]!, y = want[i]!;
    if (Number.isNaN(y) ? Number.isNaN(x) : x === y || Math.abs(x - y) <= atol + rtol * Math.abs(y)) continue;
    return `element ${i}: got ${x}, expected ${y}`;
  }
  return undefined;
}

/**
 * WGSL promises sin and cos to an absolute error of 2^-11 (on [−π, π]), looser than the suite's 2e-5, which
 * Dawn on lavapipe meets; Chromium's SwiftShader uses the latitude (errors near 7e-5 seen), so in a browser
 * those two are held to the language's bound.
 */
export const WGSL_BUILTIN_ATOL: Readonly<Record<string, number>> = { sin: 2 ** -11, cos: 2 ** -11 };

/** The absolute tolerance a case's float outputs are held to in the page. */
export function pageAtol(c: Pick<OpCase, 'name' | 'atol'>): number {
  const op = c.name.split(' ')[0]!;
  return Math.max(c.atol ?? 1e-5, WGSL_BUILTIN_ATOL[op] ?? 0);
}

async function compareCase(c: OpCase, seed: number): Promise<string | undefined> {
  return scope(async () => {
    const want: Tensor[] = await runOpCase('cpu', c, seed);
    const got: Tensor[] = await runOpCase('webgpu', c, seed);
    for (let i = 0; i < want.length; i++) {
      const w = want[i]!, g = got[i]!;
      const where = `seed ${seed} output ${i}`;
      if (g.shape.join() !== w.shape.join()) return `${where}: shape [${g.shape}], expected [${w.shape}]`;
      if (g.dtype !== w.dtype) return `${where}: dtype ${g.dtype}, expected ${w.dtype}`;
      const exact = w.dtype !== 'f32' && w.dtype !== 'f16';
      const m = firstMismatch(await g.data(), await w.data(), exact ? 0 : pageAtol(c), exact ? 0 : (c.rtol ?? 1e-5));
      if (m) return `${where}: ${m}`;
    }
    return undefined;
  });
}

/** Names of the suite's cases, in order. */
export const PARITY_CASE_NAMES: readonly string[] = OP_PARITY_CASES.map((c) => c.name);

/**
 * Runs the cases whose names `select` accepts (default: all), with the Node suite's seeds for each, reporting
 * each case as it finishes. Needs both the webgpu and the cpu device initialised.
 */
export async function runKernelParity(
  select: (name: string) => boolean = () => true,
  seeds: readonly number[] = [1, 2, 3],
  onCase?: (outcome: ParityOutcome, done: number, total: number) => void,
): Promise<ParityOutcome[]> {
  const cases = OP_PARITY_CASES.filter((c) => select(c.name));
  const out: ParityOutcome[] = [];
  for (const c of cases) {
    let failure: string | undefined;
    for (const seed of seeds) {
      try {
        // The Node suite's seed for this case (ops-parity.test.ts).
        failure = await compareCase(c, seed * 101 + c.name.length);
      } catch (e) {
        failure = `seed ${seed}: threw ${(e as Error).message}`;
      }
      if (failure) break;
    }
    const outcome = failure ? { name: c.name, failure } : { name: c.name };
    out.push(outcome);
    onCase?.(outcome, out.length, cases.length);
  }
  return out;
}
