import type { DType, PrimitiveName, PrimitiveParams, Shape, Tensor } from '@mmada/tensor';

/** What a rule sees of the forward call it differentiates. */
export interface VjpContext<P extends PrimitiveName> {
  readonly params: PrimitiveParams[P];
  /** The saved inputs (undefined where the rule's `saves` left them out). */
  readonly inputs: readonly (Tensor | undefined)[];
  /** The saved outputs (undefined where the rule's `saves` left them out). */
  readonly outputs: readonly (Tensor | undefined)[];
  readonly inputShapes: readonly Shape[];
  readonly inputDtypes: readonly DType[];
  readonly outputShapes: readonly Shape[];
  /**
   * Which inputs carry a gradient back (they depend on the differentiated values). A rule may leave the others'
   * cotangents out (null): the backward drops them anyway, so computing them only costs dispatches.
   */
  readonly traced: readonly boolean[];
}

/** The tensors a rule needs at backward time, by input / output index. */
export interface SavedIndices {
  readonly inputs?: readonly number[];
  readonly outputs?: readonly number[];
}

/**
 * The reverse-mode rule of one primitive. `vjp` receives the cotangent of each output (null where no
 * gradient flows into that output) and returns the cotangent of each input (null/undefined for none).
 * A returned cotangent may have the output's broadcast shape: it is summed down to the input's shape.
 * Tensors the rule creates and does not return are freed for it.
 */
export interface DifferentiableRule<P extends PrimitiveName> {
  readonly kind: 'vjp';
  /** Inputs a gradient can flow into (default: every input). Index inputs are left out. */
  readonly differentiableInputs?: readonly number[];
  /** Which inputs/outputs backward needs (default: all of them). Saving less keeps less memory alive. */
  readonly saves?: (params: PrimitiveParams[P]) => SavedIndices;
  readonly vjp: (ctx: VjpContext<P>, cotangents: readonly (Tensor | null)[]) => readonly (Tensor | null | undefined)[];
  /**
   * Optional: `vjp` for a rule whose kernel can add to an input's gradient as it writes it. `gathered[i]` is the
   * gradient input i has gathered so far from its other uses (f32, the input's shape), or null; where it is not
   * null, the returned cotangent of input i must already include it (the backward then takes it as the new total
   * instead of adding the two: one dispatch fewer per residual connection).
   */
  readonly vjpAccumulating?: (
    ctx: VjpContext<P>,
    cotangents: readonly (Tensor | null)[],
    gathered: readonly (Tensor | null)[],
  ) => readonly (Tensor | null | undefined)[];
}

/** A primitive through which no gradient flows (integer results, random bits, constants, comparisons). */
export interface NonDifferentiable {
  readonly kind: 'nonDifferentiable';
  readonly reason: string;
}

export type VjpRule<P extends PrimitiveName> = DifferentiableRule<P> | NonDifferentiable;

/** One rule for every primitive: a primitive added to @mmada/tensor without a rule here does not compile. */
export type VjpRuleTable = { readonly [P in PrimitiveName]: VjpRule<P> };

export function nonDifferentiable(reason: string): NonDifferentiable {
  return { kind: 'nonDifferentiable', reason };
}

export function rule<P extends PrimitiveName>(r: Omit<DifferentiableRule<P>, 'kind'>): DifferentiableRule<P> {
  return { kind: 'vjp', ...r };
}
