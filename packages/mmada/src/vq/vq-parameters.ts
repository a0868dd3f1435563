/**
 * The tokenizer's parameters as a pytree whose flattened key paths ('.'-joined) are exactly the state-dict
 * keys of the released checkpoint (spec/vq.md §5): `encoder.down.0.block.0.norm1.weight`, … Object keys are
 * therefore upstream's module names (`conv_in`, `nin_shortcut`, `attn_1`).
 */
import type { Tensor } from '@mmada/tensor';
import { checkVqConfig, type VqConfig } from './vq-config.js';

/** A convolution: weight [out, in, kh, kw] and bias [out]. */
export interface ConvParameters {
  readonly weight: Tensor;
  readonly bias: Tensor;
}

/** A GroupNorm's affine: weight and bias [C]. */
export interface NormParameters {
  readonly weight: Tensor;
  readonly bias: Tensor;
}

export interface ResnetBlockParameters {
  readonly norm1: NormParameters;
  readonly conv1: ConvParameters;
  readonly norm2: NormParameters;
  readonly conv2: ConvParameters;
  /** 1×1 projection of the residual, present only where the block changes the channel count. */
  readonly nin_shortcut?: ConvParameters;
}

export interface AttnBlockParameters {
  readonly norm: NormParameters;
  readonly q: ConvParameters;
  readonly k: ConvParameters;
  readonly v: ConvParameters;
  readonly proj_out: ConvParameters;
}

export interface MidParameters {
  readonly block_1: ResnetBlockParameters;
  readonly attn_1: AttnBlockParameters;
  readonly block_2: ResnetBlockParameters;
}

export interface DownLevelParameters {
  readonly block: readonly ResnetBlockParameters[];
  /** Absent on the last level. */
  readonly downsample?: { readonly conv: ConvParameters };
}

export interface UpLevelParameters {
  readonly block: readonly ResnetBlockParameters[];
  /** Absent on level 0. */
  readonly upsample?: { readonly conv: ConvParameters };
}

export interface EncoderParameters {
  readonly conv_in: ConvParameters;
  readonly down: readonly DownLevelParameters[];
  readonly mid: MidParameters;
  readonly norm_out: NormParameters;
  readonly conv_out: ConvParameters;
  readonly quant_conv: ConvParameters;
}

export interface DecoderParameters {
  readonly post_quant_conv: ConvParameters;
  readonly conv_in: ConvParameters;
  readonly mid: MidParameters;
  /** Indexed by level: `up[i]` is level i; the forward pass runs from the last level down to 0. */
  readonly up: readonly UpLevelParameters[];
  readonly norm_out: NormParameters;
  readonly conv_out: ConvParameters;
}

export interface VqParameters {
  readonly encoder: EncoderParameters;
  readonly decoder: DecoderParameters;
}

type Shape = readonly number[];
type Get = (name: string, shape: Shape) => Tensor;

const conv = (get: Get, name: string, out: number, inp: number, k: number): ConvParameters => ({
  weight: get(`${name}.weight`, [out, inp, k, k]),
  bias: get(`${name}.bias`, [out]),
});

const norm = (get: Get, name: string, c: number): NormParameters => ({ weight: get(`${name}.weight`, [c]), bias: get(`${name}.bias`, [c]) });

function resnetBlock(get: Get, name: string, cin: number, cout: number): ResnetBlockParameters {
  return {
    norm1: norm(get, `${name}.norm1`, cin),
    conv1: conv(get, `${name}.conv1`, cout, cin, 3),
    norm2: norm(get, `${name}.norm2`, cout),
    conv2: conv(get, `${name}.conv2`, cout, cout, 3),
    ...(cin !== cout ? { nin_shortcut: conv(get, `${name}.nin_shortcut`, cout, cin, 1) } : {}),
  };
}

function mid(get: Get, name: string, c: number): MidParameters {
  return {
    block_1: resnetBlock(get, `${name}.block_1`, c, c),
    attn_1: {
      norm: norm(get, `${name}.attn_1.norm`, c),
      q: conv(get, `${name}.attn_1.q`, c, c, 1),
      k: conv(get, `${name}.attn_1.k`, c, c, 1),
      v: conv(get, `${name}.attn_1.v`, c, c, 1),
      proj_out: conv(get, `${name}.attn_1.proj_out`, c, c, 1),
    },
    block_2: resnetBlock(get, `${name}.block_2`, c, c),
  };
}

/**
 * Builds the parameter tree in state-dict order, asking `get(name, shape)` for each tensor. The order is the
 * module-registration order of upstream's PyTorch modules.
 */
export function buildVqParameters(config: VqConfig, get: Get): VqParameters {
  checkVqConfig(config);
  const { ch, bits } = config;
  const levels = config.encoderChMult.length;

  const encoderIn = (i: number) => ch * (i === 0 ? 1 : config.encoderChMult[i - 1]!);
  const encoder: EncoderParameters = {
    conv_in: conv(get, 'encoder.conv_in', ch, 3, 3),
    down: Array.from({ length: levels }, (_, i) => {
      const cout = ch * config.encoderChMult[i]!;
      const block = Array.from({ length: config.encoderNumResBlocks[i]! }, (_, j) =>
        resnetBlock(get, `encoder.down.${i}.block.${j}`, j === 0 ? encoderIn(i) : cout, cout),
      );
      return i < levels - 1 ? { block, downsample: { conv: conv(get, `encoder.down.${i}.downsample.conv`, cout, cout, 3) } } : { block };
    }),
    mid: mid(get, 'encoder.mid', ch * config.encoderChMult[levels - 1]!),
    norm_out: norm(get, 'encoder.norm_out', ch * config.encoderChMult[levels - 1]!),
    conv_out: conv(get, 'encoder.conv_out', bits, ch * config.encoderChMult[levels - 1]!, 3),
    quant_conv: conv(get, 'encoder.quant_conv', bits, bits, 1),
  };

  const top = ch * config.decoderChMult[levels - 1]!;
  const post_quant_conv = conv(get, 'decoder.post_quant_conv', bits, bits, 1);
  const conv_in = conv(get, 'decoder.conv_in', top, bits, 3);
  const decoderMid = mid(get, 'decoder.mid', top);
  // Upstream builds the levels from the last to the first and prepends each, so level i's input channel count
  // is level i+1's output; tensor order in the state dict is nevertheless up.0, up.1, … (ModuleList order).
  const levelIn = (i: number) => ch * config.decoderChMult[Math.min(i + 1, levels - 1)]!;
  const up: UpLevelParameters[] = Array.from({ length: levels }, (_, i) => {
    const cout = ch * config.decoderChMult[i]!;
    const block = Array.from({ length: config.decoderNumResBlocks[i]! }, (_, j) =>
      resnetBlock(get, `decoder.up.${i}.block.${j}`, j === 0 ? levelIn(i) : cout, cout),
    );
    return i > 0 ? { block, upsample: { conv: conv(get, `decoder.up.${i}.upsample.conv`, cout, cout, 3) } } : { block };
  });
  const decoder: DecoderParameters = {
    post_quant_conv,
    conv_in,
    mid: decoderMid,
    up,
    norm_out: norm(get, 'decoder.norm_out', ch * config.decoderChMult[0]!),
    conv_out: conv(get, 'decoder.conv_out', 3, ch * config.decoderChMult[0]!, 3),
  };
  return { encoder, decoder };
}

/** [name, shape] of every parameter tensor, in build order (no tensors are created). */
export function vqParameterShapes(config: VqConfig): Array<[string, number[]]> {
  const shapes: Array<[string, number[]]> = [];
  buildVqParameters(config, (name, shape) => {
    shapes.push([name, [...shape]]);
    return null as unknown as Tensor;
  });
  return shapes;
}

/** Total number of parameters (95,387,004 for the released tokenizer). */
export function vqParameterCount(config: VqConfig): number {
  return vqParameterShapes(config).reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
}

/** Every tensor of a tree by its state-dict name. */
export function flattenVqParameters(params: VqParameters): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  const walk = (node: unknown, path: string): void => {
    if (node === undefined || node === null) return;
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${path}.${i}`));
    else if (typeof node === 'object' && !('shape' in (node as object))) {
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) walk(v, path === '' ? k : `${path}.${k}`);
    } else out[path] = node as Tensor;
  };
  walk(params, '');
  return out;
}
