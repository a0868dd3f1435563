import * as T from '@mmada/tensor';

/**
 * Median CPU ms per call of `f` (CPU time of the whole process: every thread, a software driver's workers
 * included, so other processes on the machine inflate it far less than wall time): one untimed call that compiles
 * its pipelines, then `trials` trials of `reps` calls back to back, each call's results freed as the next starts
 * and the last read back.
 */
export async function cpuMsPerCall(f: () => T.Tensor[], reps: number, trials = 3): Promise<number> {
  const run = async (n: number) => {
    let ys: T.Tensor[] = [];
    for (let i = 0; i < n; i++) {
      T.dispose(ys);
      ys = f();
    }
    await Promise.all(ys.map((y) => y.data()));
    T.dispose(ys);
  };
  await run(1);
  const xs: number[] = [];
  for (let t = 0; t < trials; t++) {
    const c0 = process.cpuUsage();
    await run(reps);
    const c = process.cpuUsage(c0);
    xs.push((c.user + c.system) / 1000 / reps);
  }
  return xs.sort((p, q) => p - q)[Math.floor(trials / 2)]!;
}
