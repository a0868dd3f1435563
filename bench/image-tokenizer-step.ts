/**
 * One training step of the shipped ShapesWorld image tokenizer (packages/cli/src/recipe/image-tokenizer-stage.ts:
 * MAGVIT-v2 architecture, ch 16, five levels, 32×32 images, batch 32, its loss) on @mmada/tensor's webgpu device:
 * wall and CPU time per step (median of --steps, after one warm-up step) and the losses of the steps, so a kernel
 * change can be checked for the same numerics (same seed, same images). MMADA_PROFILE=1 prints a per-kernel profile
 * of one step.
 *
 *   npx tsx bench/image-tokenizer-step.ts [--steps 4] [--batch 32]
 */
import { loadavg } from 'node:os';
import * as T from '@mmada/tensor';
import { adamw } from '@mmada/autograd';
import { initImageTokenizer, tokenizerTrainStep, type VqParameters } from '@mmada/mmada';
import { SHAPESWORLD_VQ_CONFIG, SHAPESWORLD_VQ_LOSS } from '../packages/cli/src/recipe/image-tokenizer-stage.js';

const arg = (name: string, d: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : d);

async function main(): Promise<void> {
  const steps = arg('--steps', 4);
  const batch = arg('--batch', 32);
  await T.init({ device: 'webgpu' });
  const optimizer = adamw(1e-3, { weightDecay: 0.01 });
  const step = tokenizerTrainStep(SHAPESWORLD_VQ_CONFIG, optimizer, SHAPESWORLD_VQ_LOSS);
  let params: VqParameters = initImageTokenizer(SHAPESWORLD_VQ_CONFIG, T.key(0), { device: 'webgpu' }).params;
  let state = optimizer.init(params);
  const images = T.keep(T.uniform(T.key(1), [batch, 3, 32, 32], { minval: -1, maxval: 1 }));
  const losses: number[] = [];
  const wall: number[] = [];
  const cpu: number[] = [];
  const loadStart = loadavg()[0]!;
  const run = async () => {
    const r = await step(params, state, images);
    params = r.params;
    state = r.state;
    losses.push(r.loss);
  };
  await run();
  for (let i = 0; i < steps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    JSON.stringify({
      case: `image tokenizer train step (ShapesWorld config, batch ${batch}, 32x32)`,
      msPerStep: +median(wall).toFixed(1),
      cpuMsPerStep: +median(cpu).toFixed(1),
      losses: losses.map((l) => +l.toFixed(6)),
      load: [+loadStart.toFixed(2), +loadavg()[0]!.toFixed(2)],
    }),
  );
  if (T.profileRequested()) {
    const { report } = await T.profile(run);
    console.log(T.formatProfile(report, { top: Number(process.env.MMADA_PROFILE_TOP ?? 20) }));
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
