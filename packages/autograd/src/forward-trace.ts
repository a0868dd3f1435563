import { scope, type Tensor } from '@mmada/tensor';
import { Trace } from './trace.js';

/**
 * Runs `run` inside a memory scope while recording a tape of everything that depends on `wrt`.
 * Only what `run` returns survives (plus the tape's saved tensors, owned by the returned Trace).
 */
export async function traceForward<R>(wrt: readonly Tensor[], run: () => R | Promise<R>): Promise<{ result: R; trace: Trace }> {
  const trace = new Trace();
  for (const t of wrt) trace.watch(t);
  trace.start();
  try {
    const result = await scope(run);
    trace.stop();
    return { result, trace };
  } catch (e) {
    trace.dispose();
    throw e;
  }
}
