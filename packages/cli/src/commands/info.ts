/** mmada info --model DIR [--json] [--device cpu|webgpu]: config summary, parameter count, memory estimate. */
import * as E from 'fp-ts/lib/Either.js';
import { checkCheckpointTensors, deviceLimits, estimateMemory, formatBytes, forwardActivationBytes, headDim, parameterShapes, readModelConfig } from '@mmada/mmada';
import { openCheckpoint, type DeviceName } from '@mmada/tensor';
import type { CliIO } from '../cli-io.js';
import type { Command } from '../command.js';
import { choiceFlag, integerFlag } from '../flag-values.js';
import { startCommand } from '../command-start.js';
import { UsageError } from '../usage-error.js';
import { unwrap } from '../unwrap.js';

const USAGE = `mmada info --model DIR [--json] [--device cpu|webgpu] [--tokens N] [--weights stored|f32]

Reads config.json and the safetensors headers (no weights): architecture, parameter count, stored dtypes,
and the device memory a forward pass needs: the weights as loadModel keeps them (--weights stored, the
default: F16 / BF16 stay 2 bytes a weight; f32: 4) plus the working memory of a forward over --tokens
positions (default: the config's max_sequence_length). With --device, also checks the largest tensor
against that device's limits (a tensor over maxStorageBufferBindingSize is bound in row blocks).
`;

const FLAGS = { model: { type: 'string' }, tokens: { type: 'string' }, weights: { type: 'string' } } as const;

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const start = startCommand(argv, io, USAGE, FLAGS, { model: 'DIR' });
  if (!start) return 0;
  const f = start.flags;
  const dir = f.model;
  const weights = unwrap(choiceFlag('weights', f.weights, ['stored', 'f32'] as const, 'stored'));
  const config = unwrap(await readModelConfig(dir)());
  const tokens = unwrap(integerFlag('tokens', f.tokens, config.maxSequenceLength, 1));
  const ckpt = unwrap(await openCheckpoint(dir)());
  // The loader's own check: info never calls a checkpoint fine that forward / generate would refuse.
  const checked = checkCheckpointTensors(ckpt, config);
  if (E.isLeft(checked)) {
    await ckpt.close();
    throw checked.left;
  }
  const dtypes: Record<string, number> = {};
  const storedDtype = new Map<string, string>();
  let storedBytes = 0;
  try {
    for (const name of ckpt.names) {
      const info = ckpt.info(name)!;
      dtypes[info.dtype] = (dtypes[info.dtype] ?? 0) + 1;
      storedBytes += info.dataOffsets[1] - info.dataOffsets[0];
      storedDtype.set(name, info.dtype);
    }
  } finally {
    await ckpt.close();
  }
  // as loadModel keeps them: F16 / BF16 packed (2 bytes) unless --weights f32; a tensor the checkpoint lacks counts as f32
  const half = (name: string): boolean => weights === 'stored' && (storedDtype.get(name) === 'F16' || storedDtype.get(name) === 'BF16');
  const estimate = estimateMemory(config, (name) => (half(name) ? 2 : 4));
  const activationBytes = forwardActivationBytes(config, tokens);
  const expected = parameterShapes(config).length;
  let device: DeviceName | undefined;
  if (f.device !== undefined) device = await start.device();
  const limits = device ? deviceLimits(device) : undefined;
  const fits = limits ? estimate.largestTensorBytes <= limits.maxBufferSize : undefined;
  const blocks = limits ? Math.ceil(estimate.largestTensorBytes / limits.maxStorageBufferBindingSize) : undefined;
  const summary = {
    path: dir,
    modelType: config.modelType,
    dModel: config.dModel,
    nLayers: config.nLayers,
    nHeads: config.nHeads,
    headDim: headDim(config),
    mlpHiddenSize: config.mlpHiddenSize,
    vocabSize: config.vocabSize,
    embeddingSize: config.embeddingSize,
    maxSequenceLength: config.maxSequenceLength,
    ropeTheta: config.ropeTheta,
    maskTokenId: config.maskTokenId,
    eosTokenId: config.eosTokenId,
    parameters: estimate.parameters,
    tensors: { inCheckpoint: ckpt.names.length, expected, dtypes },
    storedBytes,
    weights,
    deviceBytes: estimate.parameterBytes,
    largestTensor: { name: estimate.largestTensor, bytes: estimate.largestTensorBytes },
    logitsBytesPerToken: estimate.logitsBytesPerToken,
    forward: { tokens, activationBytes, totalBytes: estimate.parameterBytes + activationBytes },
    ...(device ? { device, limits: limits ?? null, fits: fits ?? null, bindingBlocks: blocks ?? null } : {}),
  };
  if (f.json) {
    io.stdout(`${JSON.stringify(summary)}\n`);
    return 0;
  }
  const lines = [
    `model        ${dir} (${config.modelType})`,
    `architecture d_model ${config.dModel}, ${config.nLayers} layers, ${config.nHeads} heads × ${headDim(config)}, MLP ${config.mlpHiddenSize}, vocab ${config.vocabSize} (${config.embeddingSize} rows)`,
    `positions    RoPE θ ${config.ropeTheta}, trained up to ${config.maxSequenceLength} tokens`,
    `tokens       MASK ${config.maskTokenId}, EOS ${config.eosTokenId}, PAD ${config.padTokenId}${config.bosTokenId !== undefined ? `, BOS ${config.bosTokenId}` : ''}`,
    `parameters   ${estimate.parameters.toLocaleString('en-US')} in ${ckpt.names.length} tensors (expected ${expected}); stored as ${Object.entries(dtypes).map(([d, n]) => `${n} ${d}`).join(', ')}, ${formatBytes(storedBytes)}`,
    `memory       weights on the device ${formatBytes(estimate.parameterBytes)} (${weights === 'stored' ? 'as stored' : 'widened to f32'}); largest tensor ${estimate.largestTensor} ${formatBytes(estimate.largestTensorBytes)}; logits ${formatBytes(estimate.logitsBytesPerToken)} per token`,
    `forward      ${formatBytes(estimate.parameterBytes + activationBytes)} on the device for ${tokens.toLocaleString('en-US')} tokens (weights + ${formatBytes(activationBytes)} working memory)`,
  ];
  if (device) {
    const split = blocks !== undefined && blocks > 1 ? `, bound in ${blocks} row blocks` : '';
    lines.push(
      limits
        ? `device       ${device}: maxBufferSize ${formatBytes(limits.maxBufferSize)}, maxStorageBufferBindingSize ${formatBytes(limits.maxStorageBufferBindingSize)} → ${fits ? `fits${split}` : 'too large'}`
        : `device       ${device}: no allocation limits`,
    );
  }
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

export const infoCommand: Command = { name: 'info', summary: 'config summary, parameter count and memory estimate of a checkpoint', usage: USAGE, run };
