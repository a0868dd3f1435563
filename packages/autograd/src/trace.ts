import {
  add, cast, flatLayout, flatViews, isFloat, keep, onPrimitive, packFlat, reshape, runPrimitive, scopeSync, zerosLike,
  type DType, type PrimitiveEvent, type PrimitiveName, type Shape, type Tensor,
} from '@mmada/tensor';
import { VJP_RULES } from './rules/table.js';
import type { DifferentiableRule, VjpContext } from './vjp-rule.js';
import { sumToShape } from './sum-to-shape.js';

/**
 * How many rows of the leaf's shape g holds when it is f32 and only leading axes need summing (g [..., ...shape] for
 * a leaf of `shape`, both f32), else 0.
 */
function leadingRows(g: Tensor, m: { shape: Shape; dtype: DType }): number {
  const k = g.rank - m.shape.length;
  if (k <= 0 || g.dtype !== 'f32' || m.dtype !== 'f32' || m.shape.some((d, i) => g.shape[k + i] !== d)) return 0;
  return g.shape.slice(0, k).reduce((p, d) => p * d, 1);
}

/** One recorded primitive call whose inputs depend on the differentiated values. */
interface TapeEntry {
  readonly prim: PrimitiveName;
  readonly params: unknown;
  readonly inputIds: readonly number[];
  /** Which inputs carry a gradient back (they depend on the differentiated values). */
  readonly tracedInputs: readonly boolean[];
  readonly outputIds: readonly number[];
  readonly ctx: VjpContext<PrimitiveName>;
}

let paused = 0;
const activeTraces: Trace[] = [];
let removeListener: (() => void) | null = null;

function onEvent(event: PrimitiveEvent): void {
  if (paused > 0) return;
  // each trace is told how many traces enclose it (those started before it), without an array per event
  for (let i = 0; i < activeTraces.length; i++) activeTraces[i]!.record(event, i);
}

/** True when the event consumes a tensor that one of the first `count` active traces differentiates. */
function consumesEnclosingTraced(event: PrimitiveEvent, count: number): boolean {
  for (let j = 0; j < count; j++) if (event.inputs.some((t) => activeTraces[j]!.isTraced(t))) return true;
  return false;
}

/** Runs fn with tape recording off (for tensors that must not carry gradients). */
export function withoutRecording<T>(fn: () => T): T {
  paused++;
  try {
    return fn();
  } finally {
    paused--;
  }
}

/** A new tensor sharing x's storage (no copy), never recorded on any tape. */
export function alias(x: Tensor): Tensor {
  return withoutRecording(() => runPrimitive('reshape', [x], { shape: [...x.shape] }, [{ shape: [...x.shape], dtype: x.dtype }])[0]!);
}

/**
 * A tape: records every primitive that consumes a traced tensor (one derived from the watched inputs),
 * saving, as storage-sharing aliases, the tensors its rule needs. Aliases are kept out of every memory
 * scope and freed by `dispose()`.
 */
export class Trace {
  readonly #traced = new Set<number>();
  readonly #tape: TapeEntry[] = [];
  readonly #saved = new Map<number, Tensor>();
  #active = false;
  #entangled: string | null = null;

  /** Marks x as an input to differentiate with respect to (float tensors only). */
  watch(x: Tensor): void {
    if (isFloat(x.dtype)) this.#traced.add(x.id);
  }

  isTraced(x: Tensor): boolean {
    return this.#traced.has(x.id);
  }

  /**
   * The first primitive this tape recorded that also consumed a tensor an enclosing trace differentiates (null
   * when none). Its gradient would be taken from saved aliases the enclosing trace cannot see through, so a
   * gradient of this gradient would silently miss that path: grad of grad is refused instead (see valueAndGrad).
   */
  get entangledWith(): string | null {
    return this.#entangled;
  }

  start(): void {
    if (this.#active) return;
    this.#active = true;
    activeTraces.push(this);
    removeListener ??= onPrimitive(onEvent);
  }

  stop(): void {
    if (!this.#active) return;
    this.#active = false;
    activeTraces.splice(activeTraces.indexOf(this), 1);
    if (activeTraces.length === 0 && removeListener) {
      removeListener();
      removeListener = null;
    }
  }

  /** @internal called for every primitive while the trace is active. */
  record(event: PrimitiveEvent, enclosingCount = 0): void {
    const r = VJP_RULES[event.prim];
    if (r.kind === 'nonDifferentiable') return;
    const rule = r as DifferentiableRule<PrimitiveName>;
    let any = false;
    const tracedInputs = event.inputs.map((t, i) => {
      const traced = this.#traced.has(t.id) && (!rule.differentiableInputs || rule.differentiableInputs.includes(i));
      any ||= traced;
      return traced;
    });
    if (!any) return;
    if (this.#entangled === null && enclosingCount > 0 && consumesEnclosingTraced(event, enclosingCount)) this.#entangled = event.prim;
    for (const o of event.outputs) if (isFloat(o.dtype)) this.#traced.add(o.id);
    const saves = rule.saves?.(event.params as never);
    const keepInput = (i: number) => !saves || (saves.inputs?.includes(i) ?? false);
    const keepOutput = (i: number) => !saves || (saves.outputs?.includes(i) ?? false);
    this.#tape.push({
      prim: event.prim,
      params: event.params,
      inputIds: event.inputs.map((t) => t.id),
      tracedInputs,
      outputIds: event.outputs.map((t) => t.id),
      ctx: {
        params: event.params,
        inputs: event.inputs.map((t, i) => (keepInput(i) ? this.#save(t) : undefined)),
        outputs: event.outputs.map((t, i) => (keepOutput(i) ? this.#save(t) : undefined)),
        inputShapes: event.inputs.map((t) => t.shape),
        inputDtypes: event.inputs.map((t) => t.dtype),
        outputShapes: event.outputs.map((t) => t.shape),
        traced: tracedInputs,
      },
    });
  }

  #save(t: Tensor): Tensor {
    let a = this.#saved.get(t.id);
    if (!a) {
      a = keep(alias(t));
      this.#saved.set(t.id, a);
    }
    return a;
  }

  /** Number of recorded primitive calls. */
  get length(): number {
    return this.#tape.length;
  }

  /**
   * Pulls `cotangents` (one per output; null for none) back through the tape and returns the gradient
   * of each tensor in `wrt` (zeros where nothing flows). Only the returned tensors outlive the call.
   */
  backward(outputs: readonly Tensor[], cotangents: readonly (Tensor | null | undefined)[], wrt: readonly Tensor[]): Tensor[] {
    const saved = new Set(this.#saved.values());
    const meta = new Map<number, { shape: Shape; dtype: DType }>();
    for (const e of this.#tape) e.inputIds.forEach((id, i) => meta.set(id, { shape: e.ctx.inputShapes[i]!, dtype: e.ctx.inputDtypes[i]! }));
    for (const t of [...outputs, ...wrt]) meta.set(t.id, { shape: t.shape, dtype: t.dtype });

    // reshape outputs -> their inputs (a reshape shares memory: what the input gathered can be offered reshaped)
    const reshapeSource = new Map<number, number>();
    for (const e of this.#tape) if (e.prim === 'reshape' && e.tracedInputs[0]) reshapeSource.set(e.outputIds[0]!, e.inputIds[0]!);
    const sizeOfShape = (shape: Shape) => shape.reduce((p, d) => p * d, 1);

    const wrtIds = new Set(wrt.map((w) => w.id));
    // No enclosing trace records this backward: a leaf's leading-axis sum may then wait for one packFlat of them all
    const mayDefer = activeTraces.length === 0;

    return scopeSync(() => {
      const cts = new Map<number, Tensor>();
      /**
       * Cotangents of `wrt` leaves still to be summed over their leading axes (an rmsNorm weight's per-row products, a
       * broadcast bias's): summed together at the end, one dispatch for many instead of one reduction each.
       */
      const deferred = new Map<number, Tensor>();
      /** Adds an exclusively owned cotangent into the accumulator of tensor `id` (`now`: not deferred). */
      const accumulate = (id: number, g0: Tensor, now = false): void => {
        const m = meta.get(id);
        const waiting = deferred.get(id);
        if (waiting) {
          // a second cotangent (a leaf used twice): the first is summed now, then the two are added
          deferred.delete(id);
          accumulate(id, waiting, true);
        } else if (!now && mayDefer && m && wrtIds.has(id) && !cts.has(id) && leadingRows(g0, m) > 1) {
          deferred.set(id, g0);
          return;
        }
        let g = g0;
        if (m) {
          const summed = sumToShape(g, m.shape);
          if (summed !== g) g.dispose();
          g = summed;
          if (g.dtype !== m.dtype && isFloat(m.dtype)) {
            const c = cast(g, m.dtype);
            g.dispose();
            g = c;
          }
        }
        const prev = cts.get(id);
        if (!prev) {
          cts.set(id, g);
          return;
        }
        cts.set(id, add(prev, g));
        prev.dispose();
        g.dispose();
      };

      outputs.forEach((o, i) => {
        const ct = cotangents[i];
        if (ct && this.#traced.has(o.id)) accumulate(o.id, alias(ct));
      });

      for (let n = this.#tape.length - 1; n >= 0; n--) {
        const entry = this.#tape[n]!;
        const outCts = entry.outputIds.map((id) => cts.get(id) ?? null);
        if (outCts.every((c) => c === null)) continue;
        for (const id of entry.outputIds) cts.delete(id);
        const rule = VJP_RULES[entry.prim] as DifferentiableRule<PrimitiveName>;
        // What each input has gathered so far, offered to a rule that can add it in its own kernel (first use of an
        // id, f32). An input that is a reshape of a tensor with gathered gradient (a linear layer's rows view of its
        // input) is offered that gradient reshaped; the rule's result then becomes the tensor's new total.
        const offers = entry.inputIds.map((id, i) => {
          const m = meta.get(id);
          if (!rule.vjpAccumulating || !entry.tracedInputs[i] || entry.inputIds.indexOf(id) !== i || !m || m.dtype !== 'f32') return null;
          let owner = id;
          if (!cts.has(id)) {
            const src = reshapeSource.get(id);
            if (src === undefined || entry.inputIds.includes(src) || !cts.has(src)) return null;
            owner = src;
          }
          const slot = cts.get(owner)!;
          if (slot.dtype !== 'f32' || slot.shape.join() !== meta.get(owner)?.shape.join() || slot.size !== sizeOfShape(m.shape)) return null;
          return { owner, slot, offered: owner === id ? slot : reshape(slot, [...m.shape]) };
        });
        const offered = offers.some((o) => o !== null);
        const gathered = offers.map((o) => o?.offered ?? null);
        const inCts = scopeSync(() => [...(offered ? rule.vjpAccumulating!(entry.ctx, outCts, gathered) : rule.vjp(entry.ctx, outCts))]);
        const foreign = new Set<Tensor>([...saved, ...outCts.filter((c): c is Tensor => c !== null), ...gathered.filter((c): c is Tensor => c !== null)]);
        entry.inputIds.forEach((id, i) => {
          const g = inCts[i];
          const offer = offers[i];
          if (offer && g) {
            // the rule's cotangent already includes what was gathered: it replaces it
            cts.set(offer.owner, offer.owner === id ? alias(g) : reshape(g, [...offer.slot.shape]));
            if (offer.offered !== offer.slot) offer.offered.dispose();
            offer.slot.dispose();
          } else if (g && entry.tracedInputs[i]) accumulate(id, alias(g));
        });
        for (const g of inCts) if (g && !foreign.has(g)) g.dispose();
        for (const c of outCts) c?.dispose();
      }

      const entries = [...deferred];
      deferred.clear();
      if (entries.length === 1) accumulate(entries[0]![0], entries[0]![1], true);
      else if (entries.length > 1) {
        const shapes = entries.map(([id]) => meta.get(id)!.shape);
        const layout = flatLayout(shapes.map(sizeOfShape));
        const flat = packFlat(entries.map(([, g]) => g), layout, { rows: entries.map(([id, g]) => leadingRows(g, meta.get(id)!)) });
        flatViews(flat, layout, shapes).forEach((v, i) => cts.set(entries[i]![0], v));
        for (const [, g] of entries) g.dispose();
        flat.dispose();
      }

      const given = new Map<number, Tensor>();
      const grads = wrt.map((w) => {
        const earlier = given.get(w.id);
        if (earlier) return alias(earlier);
        const g = cts.get(w.id) ?? zerosLike(w);
        cts.delete(w.id);
        given.set(w.id, g);
        return g;
      });
      for (const g of cts.values()) g.dispose();
      return grads;
    });
  }

  /** Frees every tensor saved for the backward pass and forgets the tape. */
  dispose(): void {
    this.stop();
    for (const a of this.#saved.values()) a.dispose();
    this.#saved.clear();
    this.#tape.length = 0;
    this.#traced.clear();
  }
}
