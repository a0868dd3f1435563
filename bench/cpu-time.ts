import * as T from '@mmada/tensor';

/**
 * Median CPU ms per call of `f` (CPU time of the whole process: every thread, a software driver's workers
 * included, so other processes on the machine inflate it far less than wall time): one untimed call that compiles
 * its pipelines, then `trials` trials of `reps` calls back to back, each call's results freed as the next starts,
 * then a wait for the device (`T.sync`). Nothing is read back: mapping and copying a result costs CPU time in
 * proportion to its size, not its FLOPs, so reading back the last of every two 4096 × 512 products made a K = 64
 * product look up to 1.5× slower per FLOP than it computes (a training step reads back only its loss).
 */
export async function cpuMsPerCall(f: () => T.Tensor[], reps: number, trials = 3): Promise<number> {
  const run = async (n: number) => {
    let ys: T.Tensor[] = [];
    for (let i = 0; i < n; i++) {
      T.dispose(ys);
      ys = f();
    }
    await T.sync();
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
