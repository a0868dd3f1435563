/**
 * Sizes from flags and files checked against what they imply — memory of a forward or a training step,
 * the largest single buffer, the positions the model knows — before anything is allocated. A refusal says
 * which size, what it implies and what the limit is, so `--batch 1000000000` fails in milliseconds with a
 * sentence instead of growing until the machine gives up.
 */
import { totalmem } from 'node:os';
import * as E from 'fp-ts/lib/Either.js';
import type { DeviceName } from '@mmada/tensor';
import { parameterCount, type ModelConfig } from '../config/model-config.js';
import { deviceLimits } from './device-limits.js';
import { formatBytes, forwardActivationBytes } from './memory-estimate.js';

/** A size that the work or memory it implies rules out. */
export class WorkBoundError extends Error {
  override readonly name = 'WorkBoundError';
}

/** Optimizer steps a run may ask for: a step counter must stay an exact integer, and 10^9 steps is decades of work. */
export const MAX_TRAINING_STEPS = 1e9;

/** What the checks compare against: memory the process can use, and the device's largest buffer when it has one. */
export interface MemoryBudget {
  readonly bytes: number;
  readonly maxBufferSize?: number;
  readonly device: DeviceName;
}

/**
 * The budget on `device`: the machine's memory (the cpu device and software WebGPU drivers use host memory;
 * a discrete GPU has less, which the largest-buffer limit then catches first), and the device's maxBufferSize.
 */
export function memoryBudget(device: DeviceName): MemoryBudget {
  const limits = deviceLimits(device);
  return { bytes: totalmem(), device, ...(limits ? { maxBufferSize: limits.maxBufferSize } : {}) };
}

const refuse = (message: string) => E.left(new WorkBoundError(message));

/** A prompt of `tokens` must fit the positions the model was trained on (max_sequence_length). */
export function checkPromptLength(config: Pick<ModelConfig, 'maxSequenceLength'>, tokens: number, what = 'the prompt'): E.Either<WorkBoundError, void> {
  return tokens > config.maxSequenceLength
    ? refuse(`${what} is ${tokens} tokens, longer than the model's max_sequence_length (${config.maxSequenceLength})`)
    : E.right(undefined);
}

/**
 * Bytes a training step over `tokens` positions (batch × length) keeps for the backward pass: every block's
 * intermediates (the forward frees them per block, training cannot), plus the logits, their softmax and
 * gradient, all f32.
 */
export function trainingActivationBytes(config: ModelConfig, tokens: number): number {
  return tokens * 4 * (config.nLayers * (14 * config.dModel + 4 * config.mlpHiddenSize) + 3 * config.embeddingSize);
}

/**
 * A forward (or, with `training`, a training step) over `batch` sequences of `length` positions: the logits
 * must fit one buffer, and weights (×4 when training: gradients and two AdamW moments) plus activations must
 * fit the budget. `what` names the sizes in the message (e.g. "--batch 64 × --max-length 256").
 */
export function checkForwardWork(
  config: ModelConfig,
  work: { readonly batch: number; readonly length: number; readonly training?: boolean },
  budget: MemoryBudget,
  what: string,
): E.Either<WorkBoundError, void> {
  const tokens = work.batch * work.length;
  if (!Number.isSafeInteger(tokens) || tokens < 0) return refuse(`${what} is ${work.batch} × ${work.length} positions, not a size this can address`);
  const logits = tokens * config.embeddingSize * 4;
  if (budget.maxBufferSize !== undefined && logits > budget.maxBufferSize) {
    return refuse(`${what}: the logits of ${tokens} positions × ${config.embeddingSize} ids take ${formatBytes(logits)}, more than the largest buffer of the ${budget.device} device (${formatBytes(budget.maxBufferSize)})`);
  }
  const weights = parameterCount(config) * 4 * (work.training ? 4 : 1);
  const activations = work.training ? trainingActivationBytes(config, tokens) : forwardActivationBytes(config, tokens);
  const need = weights + activations;
  if (need > budget.bytes) {
    return refuse(
      `${what} needs about ${formatBytes(need)} (${formatBytes(weights)} of weights${work.training ? ', gradients and optimizer state' : ''}, ${formatBytes(activations)} of activations for ${tokens} positions), more than this machine's ${formatBytes(budget.bytes)}`,
    );
  }
  return E.right(undefined);
}

/** `count` items of about `bytesEach` held in memory at once (e.g. generated examples) must fit half the budget. */
export function checkItemCount(count: number, bytesEach: number, budget: MemoryBudget, what: string): E.Either<WorkBoundError, void> {
  const need = count * bytesEach;
  return need > budget.bytes / 2
    ? refuse(`${what} would hold about ${formatBytes(need)} in memory (${formatBytes(bytesEach)} each), more than half of this machine's ${formatBytes(budget.bytes)}`)
    : E.right(undefined);
}
