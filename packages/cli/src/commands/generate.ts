/**
 * mmada generate --model DIR (--prompt TEXT | --prompt-ids 1,2,3) [--gen-length N] [--steps S]
 *   [--block-length B] [--temperature T] [--threshold C] [--kv-cache none|prefix|dual]
 *   [--remasking low_confidence|random] [--seed K] [--cfg W]
 *   [--chat] [--thinking] [--device cpu|webgpu] [--json]
 */
import { decodeAnswers, disposeModel, formatChat, generateIds } from '@mmada/mmada';
import { progressPrinter } from '@mmada/eval';
import { key } from '@mmada/tensor';
import { progressSink, type CliIO } from '../cli-io.js';
import type { Command } from '../command.js';
import { choiceFlag, idListFlag, integerFlag, numberFlag } from '../flag-values.js';
import { loadModelWithProgress, loadTokenizerIfPresent } from '../load-for-command.js';
import { startCommand } from '../command-start.js';
import { UsageError } from '../usage-error.js';
import { unwrap } from '../unwrap.js';
import { TEXT_SAMPLING_FLAGS, textSamplingFromFlags } from '../text-sampling-flags.js';
import { checkGeneration, configOf } from '../work-checks.js';

const USAGE = `mmada generate --model DIR (--prompt TEXT | --prompt-ids 1,2,3) [options]

Completes a prompt with the semi-autoregressive sampler (LLaDA/MMaDA generate).

  --model DIR            checkpoint directory (config.json, safetensors, tokenizer.json)
  --prompt TEXT          prompt text (needs tokenizer.json in DIR)
  --prompt-ids IDS       prompt token ids, comma-separated
  --chat                 wrap --prompt in the chat template (user turn + assistant header)
  --thinking             with --chat: MMaDA's thinking-mode prefix
  --gen-length N         tokens to generate (default 128)
  --steps S              denoising steps (default: gen-length)
  --block-length B       semi-autoregressive block length (default 32, or gen-length if smaller)
  --temperature T        Gumbel-max temperature; 0 = greedy (default 0)
  --threshold C          confidence-threshold decoding: each step commits every masked token of the block
                         whose confidence is ≥ C (at least one); --steps is then unused
  --kv-cache M           none (default, exact) | prefix | dual: Fast-dLLM's approximate key/value cache,
                         refreshed at each block's first step; later steps recompute the block and what
                         follows it (prefix) or the block alone (dual)
  --remasking R          low_confidence (default) | random
  --cfg W                text classifier-free guidance scale (default 0)
  --seed K               PRNG seed (default 0)
  --device D             cpu | webgpu (default: MMADA_DEVICE, else webgpu if present, else cpu)
  --json                 print {"ids": [generated ids], "text": ...} instead of the text
`;

const FLAGS = {
  model: { type: 'string' },
  prompt: { type: 'string' },
  'prompt-ids': { type: 'string' },
  chat: { type: 'boolean' },
  thinking: { type: 'boolean' },
  ...TEXT_SAMPLING_FLAGS,
  remasking: { type: 'string' },
  cfg: { type: 'string' },
  seed: { type: 'string' },
} as const;

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const start = startCommand(argv, io, USAGE, FLAGS, { model: 'DIR' });
  if (!start) return 0;
  const f = start.flags;
  const dir = f.model;
  if ((f.prompt === undefined) === (f['prompt-ids'] === undefined)) throw new UsageError('give exactly one of --prompt TEXT and --prompt-ids 1,2,3');
  const sampling = textSamplingFromFlags(f);
  const { genLength, steps } = sampling;
  const cfgScale = unwrap(numberFlag('cfg', f.cfg, 0));
  const remasking = unwrap(choiceFlag('remasking', f.remasking, ['low_confidence', 'random'] as const, 'low_confidence'));
  const seed = unwrap(integerFlag('seed', f.seed, 0));
  const promptIds = f['prompt-ids'] !== undefined ? unwrap(idListFlag('prompt-ids', f['prompt-ids'])) : undefined;

  const tokenizer = unwrap(await loadTokenizerIfPresent(dir));
  if (f.prompt !== undefined && !tokenizer) throw new UsageError(`--prompt needs ${dir}/tokenizer.json; pass --prompt-ids instead`);
  const text = f.prompt;
  const ids = promptIds ?? tokenizer!.encode(f.chat ? formatChat([{ role: 'user', content: text! }], { thinking: !!f.thinking }) : text!);
  const device = await start.device();
  checkGeneration(await configOf(dir), device, { promptTokens: ids.length, genLength });
  const model = unwrap(await loadModelWithProgress(dir, device, io));
  try {
    const vocab = model.config.embeddingSize;
    const bad = ids.find((i) => i >= vocab);
    if (bad !== undefined) throw new UsageError(`prompt id ${bad} is outside the model's vocabulary (${vocab})`);
    const bar = progressPrinter(progressSink(io), 'generating', { total: steps, unit: 'steps' });
    const r = await generateIds(model, [ids], key(seed), {
      ...sampling,
      remasking,
      cfgScale,
      eotId: tokenizer?.specialTokens.eotId,
      onForward: (n) => bar.update(n),
    });
    bar.finish();
    const generated = r.generated[0]!;
    const answer = tokenizer ? decodeAnswers([generated], tokenizer)[0]! : null;
    if (f.json) io.stdout(`${JSON.stringify({ ids: generated, text: answer })}\n`);
    else io.stdout(`${answer ?? generated.join(',')}\n`);
    return 0;
  } finally {
    disposeModel(model);
  }
}

export const generateCommand: Command = { name: 'generate', summary: 'complete a prompt with the semi-autoregressive sampler', usage: USAGE, run };
