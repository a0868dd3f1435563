/**
 * Package benchmarks beyond the peer table, on the WebGPU device: the diffusion sampler's own
 * overhead per step, the model's forward throughput and a full generateText, and the MAGVIT-v2
 * tokenizer's encode/decode with the released architecture at the sizes of --vq-sizes (default 64; the
 * issue's 256 and 512 take many minutes per image on a software driver: `--vq-sizes 256,512` on a GPU).
 * Skipped with --no-packages; --quick shrinks them and skips the tokenizer.
 */
import { benchSamplerSteps } from '../packages/diffusion/bench/sampler-steps.js';
import { benchModel } from '../packages/mmada/bench/forward.js';
import { benchVq } from '../packages/mmada/bench/vq.js';

export interface ExtraRow {
  name: string;
  summary: string;
  [k: string]: unknown;
}

export async function extraBenches(quick: boolean, enabled = true, vqSizes: readonly number[] = [64]): Promise<ExtraRow[]> {
  if (!enabled) return [];
  const rows: ExtraRow[] = [];
  const step = async (what: string, fn: () => Promise<ExtraRow[]>) => {
    process.stderr.write(`bench: ${what} ...\n`);
    try {
      rows.push(...(await fn()));
    } catch (e) {
      process.stderr.write(`bench: ${what} failed: ${(e as Error).message}\n`);
    }
  };
  await step('diffusion sampler steps (B 8, L 256)', async () =>
    (await benchSamplerSteps('webgpu')).map((r) => ({
      ...r,
      summary: `${r.stepsPerSec.toFixed(1)} steps/s, sampler overhead ${r.overheadMsPerStep.toFixed(1)} ms/step (B ${r.B}, L ${r.L}, V ${r.V})`,
    })),
  );
  await step('model forward + generateText', async () => [...(await benchModel({ device: 'webgpu', quick }))]);
  if (!quick) await step(`MAGVIT-v2 encode/decode ${vqSizes.join(', ')} px`, async () => [...(await benchVq({ device: 'webgpu', sizes: vqSizes }))]);
  return rows;
}
