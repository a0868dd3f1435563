/** mmada info --model DIR [--json] [--device cpu|webgpu]: config summary, parameter count, memory estimate. */
import { deviceLimits, estimateMemory, formatBytes, headDim, parameterShapes, readModelConfig } from '@mmada/mmada';
import { openCheckpoint, type DeviceName } from '@mmada/tensor';
import type { CliIO } from '../cli-io.js';
import type { Command } from '../command.js';
import { initDevice } from '../device-flag.js';
import { parseFlags } from '../parse-flags.js';
import { UsageError } from '../usage-error.js';
import { unwrap } from '../unwrap.js';

const USAGE = `mmada info --model DIR [--json] [--device cpu|webgpu]

Reads config.json and the safetensors headers (no weights): architecture, parameter count, stored dtypes,
and the device memory the weights need. With --device, also checks the weights against that device's limits.
`;

const FLAGS = { model: { type: 'string' } } as const;

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const f = unwrap(parseFlags(argv, FLAGS));
  if (f.help) {
    io.stdout(USAGE);
    return 0;
  }
  const dir = f.model as string | undefined;
  if (!dir) throw new UsageError('--model DIR is required');
  const config = unwrap(await readModelConfig(dir)());
  const ckpt = unwrap(await openCheckpoint(dir)());
  const dtypes: Record<string, number> = {};
  let storedBytes = 0;
  let f16Weights = 0;
  try {
    for (const name of ckpt.names) {
      const info = ckpt.info(name)!;
      dtypes[info.dtype] = (dtypes[info.dtype] ?? 0) + 1;
      storedBytes += info.dataOffsets[1] - info.dataOffsets[0];
      if (info.dtype === 'F16') f16Weights++;
    }
  } finally {
    await ckpt.close();
  }
  const estimate = estimateMemory(config, f16Weights > 0 && f16Weights === ckpt.names.length ? 2 : 4);
  const expected = parameterShapes(config).length;
  let device: DeviceName | undefined;
  if (f.device !== undefined) device = unwrap(await initDevice(f.device, io));
  const limits = device ? deviceLimits(device) : undefined;
  const fits = limits ? estimate.largestTensorBytes <= Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize) : undefined;
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
    deviceBytes: estimate.parameterBytes,
    largestTensor: { name: estimate.largestTensor, bytes: estimate.largestTensorBytes },
    logitsBytesPerToken: estimate.logitsBytesPerToken,
    ...(device ? { device, limits: limits ?? null, fits: fits ?? null } : {}),
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
    `memory       weights on the device ${formatBytes(estimate.parameterBytes)}; largest tensor ${estimate.largestTensor} ${formatBytes(estimate.largestTensorBytes)}; logits ${formatBytes(estimate.logitsBytesPerToken)} per token`,
  ];
  if (device) {
    lines.push(
      limits
        ? `device       ${device}: maxBufferSize ${formatBytes(limits.maxBufferSize)}, maxStorageBufferBindingSize ${formatBytes(limits.maxStorageBufferBindingSize)} → ${fits ? 'fits' : 'too large'}`
        : `device       ${device}: no allocation limits`,
    );
  }
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

export const infoCommand: Command = { name: 'info', summary: 'config summary, parameter count and memory estimate of a checkpoint', usage: USAGE, run };
