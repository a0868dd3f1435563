import { numTransfer } from '../src/index.js';

/**
 * A plain-JS transcription of LLaDA `generate()` (τ = 0) for the embedding-table predictor
 * logits[b, i] = table[x[b, i]]: the oracle the device sampler is checked against.
 */
export function referenceSemiAutoregressive(
  table: Float32Array,
  vocab: number,
  prompt: number[][],
  o: { genLength: number; steps: number; blockLength: number; cfgScale?: number; maskId: number; confidence?: 'probability' | 'margin' },
): number[][] {
  const x = prompt.map((row) => [...row, ...new Array<number>(o.genLength).fill(o.maskId)]);
  const promptIndex = x.map((row) => row.map((t) => t !== o.maskId));
  const p = prompt[0]!.length;
  const blocks = o.genLength / o.blockLength;
  const spb = o.steps / blocks;
  const cfg = o.cfgScale ?? 0;
  const logitsAt = (tok: number) => Array.from(table.subarray(tok * vocab, (tok + 1) * vocab));
  for (let blk = 0; blk < blocks; blk++) {
    const lo = p + blk * o.blockLength;
    const hi = lo + o.blockLength;
    const schedules = x.map((row) => numTransfer(row.slice(lo, hi).filter((t) => t === o.maskId).length, spb));
    for (let s = 0; s < spb; s++) {
      x.forEach((row, b) => {
        const conf: number[] = [];
        const x0: number[] = [];
        row.forEach((tok, i) => {
          let l = logitsAt(tok);
          if (cfg > 0) {
            const un = logitsAt(promptIndex[b]![i] ? o.maskId : tok);
            l = l.map((c, v) => un[v]! + (cfg + 1) * (c - un[v]!));
          }
          let best = 0;
          for (let v = 1; v < vocab; v++) if (l[v]! > l[best]!) best = v;
          const m = Math.max(...l);
          const z = l.reduce((acc, c) => acc + Math.exp(c - m), 0);
          const probs = l.map((c) => Math.exp(c - m) / z);
          const sorted = [...probs].sort((a, c) => c - a);
          const c = o.confidence === 'margin' ? sorted[0]! - sorted[1]! : probs[best]!;
          x0.push(tok === o.maskId ? best : tok);
          conf.push(tok === o.maskId && i < hi ? c : -Infinity);
        });
        const order = conf.map((_, i) => i).sort((i, j) => (conf[j]! - conf[i]! || i - j));
        for (const i of order.slice(0, schedules[b]![s]!)) row[i] = x0[i]!;
      });
    }
  }
  return x;
}
