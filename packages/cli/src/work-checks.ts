/**
 * The CLI side of the work bounds (@mmada/mmada's work-bounds.ts): the model's config read (not its weights)
 * and each size a command was given checked against it and the device, before the model is loaded.
 */
import * as E from 'fp-ts/lib/Either.js';
import { checkForwardWork, checkPromptLength, memoryBudget, readModelConfig, type ModelConfig, type WorkBoundError } from '@mmada/mmada';
import type { DeviceName } from '@mmada/tensor';
import { UsageError } from './usage-error.js';
import { unwrap } from './unwrap.js';

/**
 * Heap of one RL / ablation prompt held for a run, an upper estimate: a text prompt with its ids is about
 * 1 KB (like a training example); an image-task prompt also carries its scene and image codes.
 */
export const BYTES_PER_PROMPT = 16384;

/** Image side in pixels at most: a 512×512 token grid at a 16× tokenizer, far past any trained resolution. */
export const MAX_RESOLUTION = 8192;

/** A refused size becomes a usage error (exit 2) with the bound's sentence. */
export function refuseOversize<A>(checked: E.Either<WorkBoundError, A>): A {
  if (E.isLeft(checked)) throw new UsageError(checked.left.message);
  return checked.right;
}

/** The config of model directory `dir`, read without loading any weight. */
export async function configOf(dir: string): Promise<ModelConfig> {
  return unwrap(await readModelConfig(dir)());
}

/**
 * Text generation of `genLength` tokens after a `promptTokens`-token prompt, `batch` sequences at once: the
 * prompt and the whole sequence must fit max_sequence_length, and one forward's memory on `device`.
 */
export function checkGeneration(config: ModelConfig, device: DeviceName, work: { readonly promptTokens: number; readonly genLength: number; readonly batch?: number }): void {
  refuseOversize(checkPromptLength(config, work.promptTokens));
  const total = work.promptTokens + work.genLength;
  // Positions past the trained length are noise to the model, and attention work grows with their square.
  if (total > config.maxSequenceLength) {
    throw new UsageError(`--gen-length ${work.genLength} after a ${work.promptTokens}-token prompt makes ${total} positions, more than the model's max_sequence_length (${config.maxSequenceLength})`);
  }
  const batch = work.batch ?? 1;
  refuseOversize(
    checkForwardWork(config, { batch, length: work.promptTokens + work.genLength }, memoryBudget(device), `--gen-length ${work.genLength} after a ${work.promptTokens}-token prompt${batch > 1 ? ` × ${batch} sequences` : ''}`),
  );
}

/**
 * Text-to-image of `imageTokens` tokens after a text part of `maxSeqLength` (+ 1 + 2 special tokens), two
 * sequences at once (classifier-free guidance): the positions must fit max_sequence_length and the memory.
 */
export function checkImageGeneration(config: ModelConfig, device: DeviceName, work: { readonly maxSeqLength: number; readonly imageTokens: number; readonly resolution: number }): void {
  const total = work.maxSeqLength + 1 + work.imageTokens + 2;
  if (total > config.maxSequenceLength) {
    throw new UsageError(
      `--max-seq-length ${work.maxSeqLength} and --resolution ${work.resolution} (${work.imageTokens} image tokens) make ${total} positions, more than the model's max_sequence_length (${config.maxSequenceLength})`,
    );
  }
  refuseOversize(checkForwardWork(config, { batch: 2, length: total }, memoryBudget(device), `--resolution ${work.resolution} with --max-seq-length ${work.maxSeqLength}`));
}
