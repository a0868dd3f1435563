/** mmada forward --model DIR --ids 1,2,3 [--pad-mask 1,1,0] [--ignore-pad-mask] [--json] */
import { disposeModel, maskPredictorForward } from '@mmada/mmada';
import { argmax, scope, tensor } from '@mmada/tensor';
import type { CliIO } from '../cli-io.js';
import type { Command } from '../command.js';
import { idListFlag } from '../flag-values.js';
import { loadModelWithProgress } from '../load-for-command.js';
import { checkGeneration, configOf } from '../work-checks.js';
import { startCommand } from '../command-start.js';
import { UsageError } from '../usage-error.js';
import { unwrap } from '../unwrap.js';

const USAGE = `mmada forward --model DIR --ids 1,2,3 [--pad-mask 1,1,0] [--json]

Runs the mask predictor on one sequence, for checking parity with other implementations.

  --model DIR          checkpoint directory
  --ids IDS            token ids, comma-separated
  --pad-mask MASK      1 = real token, 0 = padding, one per id (symmetric pad mask)
  --ignore-pad-mask    attend everywhere even with --pad-mask (legacy upstream)
  --device D           cpu | webgpu
  --json               print the logits as a JSON array [T][V]; without it, the argmax id and its logit per position
`;

const FLAGS = { model: { type: 'string' }, ids: { type: 'string' }, 'pad-mask': { type: 'string' }, 'ignore-pad-mask': { type: 'boolean' } } as const;

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const start = startCommand(argv, io, USAGE, FLAGS, { model: 'DIR', ids: '1,2,3' });
  if (!start) return 0;
  const f = start.flags;
  const dir = f.model;
  const ids = unwrap(idListFlag('ids', f.ids));
  const padMask = f['pad-mask'] !== undefined ? unwrap(idListFlag('pad-mask', f['pad-mask'])) : undefined;
  if (padMask && (padMask.length !== ids.length || padMask.some((m) => m > 1))) throw new UsageError(`--pad-mask needs ${ids.length} entries of 0 or 1, one per id`);
  const device = await start.device();
  checkGeneration(await configOf(dir), device, { promptTokens: ids.length, genLength: 0 });
  const model = unwrap(await loadModelWithProgress(dir, device, io));
  try {
    const V = model.config.embeddingSize;
    const bad = ids.find((i) => i >= V);
    if (bad !== undefined) throw new UsageError(`id ${bad} is outside the model's vocabulary (${V})`);
    const { logits, best } = await scope(async () => {
      const x = tensor([ids], undefined, 'i32', { device });
      const m = padMask ? tensor([padMask], undefined, 'i32', { device }) : undefined;
      const y = maskPredictorForward(model.params, model.config, x, { padMask: m, ignorePadMask: !!f['ignore-pad-mask'] });
      return { logits: await y.data(), best: await argmax(y, -1).data() };
    });
    if (f.json) {
      const rows: string[] = [];
      for (let t = 0; t < ids.length; t++) rows.push(`[${Array.from(logits.subarray(t * V, (t + 1) * V)).join(',')}]`);
      io.stdout(`[${rows.join(',')}]\n`);
    } else {
      for (let t = 0; t < ids.length; t++) io.stdout(`${t}\t${ids[t]}\t→ ${best[t]}\t${logits[t * V + best[t]!]!.toFixed(4)}\n`);
    }
    return 0;
  } finally {
    disposeModel(model);
  }
}

export const forwardCommand: Command = { name: 'forward', summary: 'print the logits of one sequence (parity checks)', usage: USAGE, run };
