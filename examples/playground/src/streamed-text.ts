/** The answer as it fills in: decoded runs of committed tokens, one ░ per still-masked position. */
import type { TextTokenizer } from '@mmada/mmada';

export const MASK_GLYPH = '░';

export function streamedText(answer: readonly number[], tokenizer: TextTokenizer): string {
  const mask = tokenizer.specialTokens.mask;
  const end = [tokenizer.specialTokens.eos, tokenizer.specialTokens.eotId];
  let out = '';
  let run: number[] = [];
  const flush = () => {
    if (run.length) out += tokenizer.decode(run, { skipSpecialTokens: true });
    run = [];
  };
  for (const t of answer) {
    if (t === mask) {
      flush();
      out += MASK_GLYPH;
    } else if (!end.includes(t)) run.push(t);
  }
  flush();
  return out;
}

/** Lets the browser paint between denoising steps. */
export const nextFrame = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
