/**
 * mmada understand --model DIR --vq DIR --image FILE --question TEXT [--resolution PX] [--transform crop|squash]
 *   [--gen-length N] [--steps S] [--block-length B] [--temperature T] [--threshold C] [--kv-cache M] [--thinking] [--seed K] [--device D] [--json]
 *   [--max-image-pixels N]
 */
import * as E from 'fp-ts/lib/Either.js';
import { tokenGrid, understandImagePixels } from '@mmada/mmada';
import { MAX_IMAGE_PIXELS } from '@mmada/image';
import { readImage } from '@mmada/image/node';
import { progressPrinter } from '@mmada/eval';
import { key } from '@mmada/tensor';
import { progressSink, type CliIO } from '../cli-io.js';
import type { Command } from '../command.js';
import { choiceFlag, integerFlag } from '../flag-values.js';
import { withImageModels } from '../image-setup.js';
import { startCommand } from '../command-start.js';
import { UsageError } from '../usage-error.js';
import { unwrap } from '../unwrap.js';
import { checkGeneration, MAX_RESOLUTION } from '../work-checks.js';
import { TEXT_SAMPLING_FLAGS, textSamplingFromFlags } from '../text-sampling-flags.js';

const USAGE = `mmada understand --model DIR --vq DIR --image FILE --question TEXT [options]

Answers a question about an image: the image is resized and center-cropped to the resolution, turned
into tokens by the image tokenizer, and the answer is sampled with the semi-autoregressive sampler
after the mmu prompt (<|mmu|> <|soi|> image <|eoi|> chat-formatted question).

  --model DIR            MMaDA checkpoint directory (config.json, safetensors, tokenizer.json)
  --vq DIR               image tokenizer (MAGVIT-v2 layout: pytorch_model.safetensors [+ config.json])
  --image FILE           the image (PNG or JPEG)
  --max-image-pixels N   refuse images with more pixels than N before decoding (default ${MAX_IMAGE_PIXELS}, as Pillow)
  --question TEXT        what to ask
  --resolution PX        side the image is brought to (default 512: 1024 tokens with a 16× tokenizer)
  --transform T          crop (default: shorter side + center crop) | squash (plain resize)
  --gen-length N         answer tokens (default 128)
  --steps S              denoising steps (default: gen-length)
  --block-length B       semi-autoregressive block length (default 32, or gen-length if smaller)
  --temperature T        Gumbel-max temperature; 0 = greedy (default 0)
  --threshold C          confidence-threshold decoding (commit every token ≥ C per step; --steps unused)
  --kv-cache M           none (default, exact) | prefix | dual: Fast-dLLM's approximate key/value cache
  --thinking             MMaDA's thinking-mode prefix on the question
  --seed K               PRNG seed (default 0)
  --device D             cpu | webgpu (default: MMADA_DEVICE, else webgpu if present, else cpu)
  --json                 print {"text": ..., "ids": [...]} instead of the text
`;

const FLAGS = {
  model: { type: 'string' },
  vq: { type: 'string' },
  image: { type: 'string' },
  'max-image-pixels': { type: 'string' },
  question: { type: 'string' },
  resolution: { type: 'string' },
  transform: { type: 'string' },
  ...TEXT_SAMPLING_FLAGS,
  thinking: { type: 'boolean' },
  seed: { type: 'string' },
} as const;

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const start = startCommand(argv, io, USAGE, FLAGS, { model: 'DIR', vq: ['DIR', 'the image tokenizer that turns the image into tokens'], image: 'FILE', question: 'TEXT' });
  if (!start) return 0;
  const f = start.flags;
  const dir = f.model;
  const vqDir = f.vq;
  const imagePath = f.image;
  const question = f.question;
  const resolution = unwrap(integerFlag('resolution', f.resolution, 512, 1, MAX_RESOLUTION));
  const transform = unwrap(choiceFlag('transform', f.transform, ['crop', 'squash'] as const, 'crop'));
  const sampling = textSamplingFromFlags(f);
  const { genLength, steps } = sampling;
  const seed = unwrap(integerFlag('seed', f.seed, 0));

  const maxPixels = unwrap(integerFlag('max-image-pixels', f['max-image-pixels'], MAX_IMAGE_PIXELS, 1));
  const image = await readImage(imagePath, { maxPixels });
  if (E.isLeft(image)) throw new UsageError(image.left);
  return withImageModels('understand', { model: dir, vq: vqDir }, resolution, f.device, io, async ({ model, tokenizer, vq, device }) => {
    // The image tokens and the question come before the answer: all of it must fit the model's positions and memory.
    const [h, w] = tokenGrid(vq.config, [resolution, resolution]);
    checkGeneration(model.config, device, { promptTokens: h * w + tokenizer.encode(question).length, genLength });
    const bar = progressPrinter(progressSink(io), 'answering', { total: steps, unit: 'steps' });
    const r = await understandImagePixels(model, tokenizer, vq, image.right, question, key(seed), {
      resolution,
      transform,
      ...sampling,
      thinking: !!f.thinking,
      eotId: tokenizer.specialTokens.eotId,
      onForward: (n) => bar.update(n),
    });
    bar.finish();
    const text = r.texts[0]!;
    if (f.json) io.stdout(`${JSON.stringify({ text, ids: r.ids[0] })}\n`);
    else io.stdout(`${text}\n`);
    return 0;
  });
}

export const understandCommand: Command = { name: 'understand', summary: 'answer a question about an image (needs an image tokenizer)', usage: USAGE, run };
