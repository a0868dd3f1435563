/**
 * Text infilling (paper §5.5): known tokens anywhere, MASK in the gaps; the gaps are filled as one block by
 * @mmada/diffusion's infilling sampler and the known tokens never change.
 */
import { infillSample, type InfillOptions } from '@mmada/diffusion';
import { scope, tensor, type PRNGKey } from '@mmada/tensor';
import { asMaskPredictor } from '../model/as-mask-predictor.js';
import { modelDevice, type MaskPredictorModel } from '../model/mask-predictor-model.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';

export type InpaintTextOptions = Omit<InfillOptions, 'key' | 'maskId' | 'eosId' | 'padMask' | 'returnTrajectory'> & { readonly ignorePadMask?: boolean };

/** Rows of equal length with the model's mask token id in the gaps → the rows with the gaps filled. */
export async function inpaintTextIds(model: MaskPredictorModel, rows: readonly (readonly number[])[], k: PRNGKey, options: InpaintTextOptions): Promise<number[][]> {
  const L = rows[0]?.length ?? 0;
  if (rows.some((r) => r.length !== L)) throw new Error(`inpaintTextIds: rows must have equal lengths, got ${rows.map((r) => r.length).join(', ')}`);
  const { ignorePadMask: _ignored, ...sampler } = options;
  return scope(async () => {
    const ids = tensor(rows as number[][], undefined, 'i32', { device: modelDevice(model) });
    const r = await infillSample(asMaskPredictor(model), ids, { ...sampler, key: k, maskId: model.config.maskTokenId, eosId: model.config.eosTokenId });
    return (await r.ids.array()) as number[][];
  });
}

/** A piece of text, or a gap of `gap` tokens to fill. */
export type TextPiece = string | { readonly gap: number };

/** Builds the row from text pieces and gaps, fills the gaps, and returns the filled text of each gap. */
export async function inpaintText(
  model: MaskPredictorModel,
  tokenizer: TextTokenizer,
  pieces: readonly TextPiece[],
  k: PRNGKey,
  options: InpaintTextOptions,
): Promise<{ readonly text: string; readonly gaps: string[]; readonly ids: number[] }> {
  const mask = model.config.maskTokenId;
  const row: number[] = [];
  const spans: Array<[number, number]> = [];
  for (const p of pieces) {
    if (typeof p === 'string') row.push(...tokenizer.encode(p));
    else {
      spans.push([row.length, row.length + p.gap]);
      row.push(...new Array<number>(p.gap).fill(mask));
    }
  }
  const [filled] = await inpaintTextIds(model, [row], k, options);
  return {
    text: tokenizer.decode(filled!, { skipSpecialTokens: true }),
    gaps: spans.map(([a, b]) => tokenizer.decode(filled!.slice(a, b), { skipSpecialTokens: true })),
    ids: filled!,
  };
}
