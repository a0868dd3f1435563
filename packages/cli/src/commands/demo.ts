/**
 * mmada demo --model DIR [--out runs/main] [--count 100] [--images 12] [--no-plan] [--device D] [--seed K]
 *
 * Shows what a model trained by the recipe does on held-out ShapesWorld items: reasoning with its trace,
 * questions about an image, images for prompts (PNG + contact sheet), an inpainted cell, the scores of every
 * task family, and an HTML report (OUT/report.html) with all of it.
 */
import type { CliIO } from '../cli-io.js';
import type { Command } from '../command.js';
import { integerFlag } from '../flag-values.js';
import { startCommand } from '../command-start.js';
import { lockOutputDir } from '../output-lock.js';
import { checkOutputDir } from '../output-paths.js';
import { runDemo } from '../recipe/demo.js';
import { UsageError } from '../usage-error.js';
import { unwrap } from '../unwrap.js';

const USAGE = `mmada demo --model DIR [options]

A held-out demonstration of a model made by \`mmada train --recipe mmada-tiny\` (its directory holds
config.json, model.safetensors, tokenizer.json and vq/): one arithmetic question with its <think> trace,
questions about a ShapesWorld image, images for held-out prompts with the pixel verifier's verdicts and a
contact sheet, one inpainted image cell, the held-out scores of each task family, and OUT/report.html.

  --model DIR      the model directory (e.g. models/mmada-tiny)
  --out DIR        where the report, images and scores go (default runs/main)
  --count N        held-out items scored per task family (default 100, at most 600)
  --images N       prompts drawn for the contact sheet (default 12, at most 60)
  --no-plan        draw from the prompt alone (stage-1 models) instead of writing a plan first
  --device D       cpu | webgpu (default: MMADA_DEVICE, else webgpu if present, else cpu)
  --seed K         seed (default 0)
`;

const FLAGS = {
  model: { type: 'string' },
  out: { type: 'string' },
  count: { type: 'string' },
  images: { type: 'string' },
  'no-plan': { type: 'boolean' },
  device: { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean' },
} as const;

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const start = startCommand(argv, io, USAGE, FLAGS, { model: ['DIR', 'e.g. models/mmada-tiny'] });
  if (!start) return 0;
  const f = start.flags;
  const count = unwrap(integerFlag('count', f.count, 100, 1));
  if (count > 600) throw new UsageError(`--count ${count} is more than the 600 items of each held-out split`);
  const images = unwrap(integerFlag('images', f.images, 12, 1));
  if (images > 60) throw new UsageError(`--images ${images}: at most 60 prompts fit a contact sheet`);
  const out = f.out ?? 'runs/main';
  checkOutputDir(out, { flag: '--out' });
  using _lock = lockOutputDir(out, 'mmada demo', (m) => io.stderr(`note: ${m}\n`));
  const device = await start.device();
  const r = await runDemo({
    model: f.model,
    out,
    device,
    count,
    images,
    planFirst: !f['no-plan'],
    seed: unwrap(integerFlag('seed', f.seed, 0)),
    log: (l) => io.stderr(`${l}\n`),
  });
  io.stdout(`${r.table}\n`);
  return 0;
}

export const demoCommand: Command = { name: 'demo', summary: 'held-out demonstration of a recipe model: reasoning, understanding, t2i, inpainting, scores, HTML report', usage: USAGE, run };
