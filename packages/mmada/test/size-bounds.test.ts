// Sizes from config.json and flags are refused before anything is allocated or walked.
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { configToJson, MODEL_ZOO, parseModelConfig, type ModelConfig } from '../src/index.js';
import { CONFIG_BOUNDS, MAX_PARAMETERS } from '../src/config/config-bounds.js';
import { forwardActivationBytes } from '../src/checkpoint/memory-estimate.js';
import { checkForwardWork, checkItemCount, checkPromptLength, memoryBudget, trainingActivationBytes, type MemoryBudget } from '../src/checkpoint/work-bounds.js';

const tiny = MODEL_ZOO['mmada-tiny'];
const json = (over: Record<string, unknown>) => ({ ...configToJson(tiny), ...over });
const message = <A>(e: E.Either<Error, A>) => (E.isLeft(e) ? e.left.message : 'accepted');

describe('config.json bounds', () => {
  it('refuses n_layers 1e9 at once, naming the key and the bound', () => {
    expect(message(parseModelConfig(json({ n_layers: 1_000_000_000 }), 'big/config.json'))).toBe(
      `big/config.json: key "n_layers": expected at most ${CONFIG_BOUNDS.n_layers}, got 1000000000`,
    );
  });

  it('refuses every other dimension past its bound', () => {
    expect(message(parseModelConfig(json({ d_model: 2 ** 20, n_heads: 4, n_kv_heads: 4 })))).toMatch(/key "d_model": expected at most 65536/);
    expect(message(parseModelConfig(json({ max_sequence_length: 2 ** 30 })))).toMatch(/key "max_sequence_length": expected at most 1048576/);
    expect(message(parseModelConfig(json({ vocab_size: 2 ** 25, embedding_size: 2 ** 25 })))).toMatch(/key "vocab_size": expected at most 16777216/);
    expect(message(parseModelConfig(json({ mlp_hidden_size: 2 ** 21 })))).toMatch(/key "mlp_hidden_size": expected at most 1048576/);
  });

  it('refuses sizes each in bounds whose product is not', () => {
    const huge = parseModelConfig(json({ n_layers: 4096, d_model: 65536, n_heads: 256, n_kv_heads: 256, mlp_hidden_size: 262144 }));
    expect(message(huge)).toMatch(new RegExp(`parameters, more than the ${MAX_PARAMETERS.toExponential(0).replace('+', '\\+')}`));
    const wide = parseModelConfig(json({ d_model: 65536, n_heads: 256, n_kv_heads: 256, vocab_size: 100000, embedding_size: 100000, n_layers: 1 }));
    expect(message(wide)).toMatch(/key "embedding_size": one weight matrix would hold 6553600000 elements/);
  });

  it('keeps every zoo config', () => {
    for (const [name, c] of Object.entries(MODEL_ZOO)) expect(E.isRight(parseModelConfig(configToJson(c))), name).toBe(true);
  });
});

describe('work bounds', () => {
  const budget = (bytes: number, maxBufferSize?: number): MemoryBudget => ({ bytes, device: 'cpu', ...(maxBufferSize ? { maxBufferSize } : {}) });
  const config: ModelConfig = tiny;

  it('a prompt longer than max_sequence_length is refused', () => {
    expect(E.isRight(checkPromptLength(config, config.maxSequenceLength))).toBe(true);
    expect(message(checkPromptLength(config, 5001))).toBe(`the prompt is 5001 tokens, longer than the model's max_sequence_length (${config.maxSequenceLength})`);
  });

  it('compares weights plus activations with the budget, training with gradients and moments', () => {
    const weights = (2 * config.embeddingSize * config.dModel + config.nLayers * (4 * config.dModel ** 2 + 3 * config.dModel * config.mlpHiddenSize + 2 * config.dModel) + config.dModel) * 4;
    const fwd = weights + forwardActivationBytes(config, 8 * 64);
    expect(E.isRight(checkForwardWork(config, { batch: 8, length: 64 }, budget(fwd), 'x'))).toBe(true);
    expect(message(checkForwardWork(config, { batch: 8, length: 64 }, budget(fwd - 1), '--batch 8'))).toMatch(/^--batch 8 needs about .* of activations for 512 positions\), more than this machine's/);
    const train = 4 * weights + trainingActivationBytes(config, 8 * 64);
    expect(E.isRight(checkForwardWork(config, { batch: 8, length: 64, training: true }, budget(train), 'x'))).toBe(true);
    expect(message(checkForwardWork(config, { batch: 8, length: 64, training: true }, budget(train - 1), 'x'))).toMatch(/gradients and optimizer state/);
    expect(message(checkForwardWork(config, { batch: 1e9, length: 1e9 }, budget(1e12), 'x'))).toMatch(/not a size this can address/);
  });

  it('refuses logits larger than the device\'s largest buffer', () => {
    const logits = 4 * 64 * config.embeddingSize * 4;
    expect(E.isRight(checkForwardWork(config, { batch: 4, length: 64 }, budget(1e12, logits), 'x'))).toBe(true);
    expect(message(checkForwardWork(config, { batch: 4, length: 64 }, budget(1e12, logits - 1), '--batch 4'))).toMatch(/^--batch 4: the logits of 256 positions × \d+ ids take .* more than the largest buffer of the cpu device/);
  });

  it('trainingActivationBytes keeps every block and three logit-sized tensors', () => {
    expect(trainingActivationBytes(config, 10)).toBe(10 * 4 * (config.nLayers * (14 * config.dModel + 4 * config.mlpHiddenSize) + 3 * config.embeddingSize));
  });

  it('checkItemCount allows half the budget', () => {
    expect(E.isRight(checkItemCount(1000, 1000, budget(2e6), 'x'))).toBe(true);
    expect(message(checkItemCount(1001, 1000, budget(2e6), '--examples 1001'))).toMatch(/^--examples 1001 would hold about 1\.0 MB in memory/);
  });

  it('memoryBudget on cpu is the machine\'s memory with no buffer limit', () => {
    const b = memoryBudget('cpu');
    expect(b.bytes).toBeGreaterThan(1e8);
    expect(b.maxBufferSize).toBeUndefined();
  });
});
