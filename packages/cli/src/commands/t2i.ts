/**
 * mmada t2i --model DIR --vq DIR --prompt TEXT --out image.png [--resolution PX] [--steps S] [--guidance W]
 *   [--temperature T] [--schedule cosine|linear|sigmoid] [--max-seq-length N] [--seed K] [--device D] [--json]
 */
import * as E from 'fp-ts/lib/Either.js';
import { CONFIG_BOUNDS, generateImagePixels, tokenGrid } from '@mmada/mmada';
import { key } from '@mmada/tensor';
import { writePng } from '@mmada/image/node';
import type { CliIO } from '../cli-io.js';
import type { Command } from '../command.js';
import { choiceFlag, integerFlag, numberFlag } from '../flag-values.js';
import { withImageModels } from '../image-setup.js';
import { checkOutputFile } from '../output-paths.js';
import { startCommand } from '../command-start.js';
import { UsageError } from '../usage-error.js';
import { unwrap } from '../unwrap.js';
import { checkImageGeneration, MAX_RESOLUTION } from '../work-checks.js';

const USAGE = `mmada t2i --model DIR --vq DIR --prompt TEXT --out image.png [options]

Generates an image from a prompt: MaskGIT decoding of the image tokens by the mask predictor
(classifier-free guidance against the empty prompt), decoded to pixels by the image tokenizer.

  --model DIR            MMaDA checkpoint directory (config.json, safetensors, tokenizer.json)
  --vq DIR               image tokenizer (MAGVIT-v2 layout: pytorch_model.safetensors [+ config.json])
  --prompt TEXT          what to draw
  --out FILE             where the PNG goes (written to a temporary file and renamed)
  --overwrite            replace --out if it exists (otherwise refused before any work)
  --resolution PX        image side in pixels (default 512: a 32×32 token grid with a 16× tokenizer)
  --steps S              MaskGIT steps (default 15, as MMaDA's app)
  --guidance W           classifier-free guidance scale w in (1+w)·cond − w·uncond (default 3.5)
  --temperature T        initial Gumbel temperature of the confidence (default 1)
  --schedule S           cosine (default) | linear | sigmoid
  --max-seq-length N     text part of the t2i layout (default 512, as the 512-px configs)
  --seed K               PRNG seed (default 0)
  --device D             cpu | webgpu (default: MMADA_DEVICE, else webgpu if present, else cpu)
  --json                 print {"out": FILE, "codes": [...]} instead of the file name
`;

const FLAGS = {
  model: { type: 'string' },
  vq: { type: 'string' },
  prompt: { type: 'string' },
  out: { type: 'string' },
  resolution: { type: 'string' },
  steps: { type: 'string' },
  guidance: { type: 'string' },
  temperature: { type: 'string' },
  schedule: { type: 'string' },
  'max-seq-length': { type: 'string' },
  seed: { type: 'string' },
  overwrite: { type: 'boolean' },
} as const;


async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const start = startCommand(argv, io, USAGE, FLAGS, { model: 'DIR', vq: ['DIR', 'the image tokenizer that turns the generated tokens into pixels'], prompt: 'TEXT', out: 'FILE.png' });
  if (!start) return 0;
  const f = start.flags;
  const dir = f.model;
  const vqDir = f.vq;
  const prompt = f.prompt;
  const out = f.out;
  if (!out.toLowerCase().endsWith('.png')) throw new UsageError(`--out ${out}: only PNG is written; give a .png file name`);
  checkOutputFile(out, { flag: '--out', overwrite: !!f.overwrite });
  const resolution = unwrap(integerFlag('resolution', f.resolution, 512, 1, MAX_RESOLUTION));
  const steps = unwrap(integerFlag('steps', f.steps, 15, 1));
  const guidanceScale = unwrap(numberFlag('guidance', f.guidance, 3.5));
  const temperature = unwrap(numberFlag('temperature', f.temperature, 1));
  const schedule = unwrap(choiceFlag('schedule', f.schedule, ['cosine', 'linear', 'sigmoid'] as const, 'cosine'));
  const maxSeqLength = unwrap(integerFlag('max-seq-length', f['max-seq-length'], 512, 1, CONFIG_BOUNDS.max_sequence_length));
  const seed = unwrap(integerFlag('seed', f.seed, 0));

  return withImageModels('t2i', { model: dir, vq: vqDir }, resolution, f.device, io, async ({ model, tokenizer, vq, device }) => {
    const [h, w] = tokenGrid(vq.config, [resolution, resolution]);
    checkImageGeneration(model.config, device, { maxSeqLength, imageTokens: h * w, resolution });
    io.stderr(`t2i: ${steps} MaskGIT steps over a ${h}×${w} token grid\n`);
    const r = await generateImagePixels(model, tokenizer, vq, prompt, key(seed), {
      numImageTokens: h * w,
      steps,
      guidanceScale,
      temperature,
      schedule,
      maxSeqLength,
    });
    await writePng(out, r.images[0]!);
    if (f.json) io.stdout(`${JSON.stringify({ out, codes: r.codes[0] })}\n`);
    else io.stdout(`${out}\n`);
    return 0;
  });
}

export const t2iCommand: Command = { name: 't2i', summary: 'generate an image from a prompt (needs an image tokenizer)', usage: USAGE, run };
