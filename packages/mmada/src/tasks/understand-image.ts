/**
 * Multimodal understanding over image TOKENS (codes from the image tokenizer; pixels → codes is the VQ
 * model's job): the mmu layout `<|mmu|>, <|soi|>, image, <|eoi|>, BOS, chat text` followed by the
 * semi-autoregressive sampler, without a pad mask, as upstream's `mmu_generate`.
 */
import type { PRNGKey } from '@mmada/tensor';
import type { MaskPredictorModel } from '../model/mask-predictor-model.js';
import { mmuSequence } from '../prompting/mmu-prompt.js';
import { formatChat } from '../tokenizer/chat-template.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { generateIds } from './generate-ids.js';
import { decodeAnswers, type ChatOptions, type GeneratedText } from './generate-text.js';

/** Image codes (0 .. codebook size − 1) → vocabulary ids. */
export const codesToTokenIds = (codes: readonly number[], tokenizer: TextTokenizer): number[] => codes.map((c) => c + tokenizer.specialTokens.imageTokenOffset);

/**
 * Answers `question` about the image given by its codes (row-major, e.g. 1024 for 512 px). Several images
 * with their questions: pass arrays of equal length.
 */
export async function understandImage(
  model: MaskPredictorModel,
  tokenizer: TextTokenizer,
  imageCodes: readonly number[] | readonly (readonly number[])[],
  question: string | readonly string[],
  k: PRNGKey,
  options: ChatOptions = {},
): Promise<GeneratedText> {
  const images = typeof imageCodes[0] === 'number' ? [imageCodes as readonly number[]] : (imageCodes as readonly (readonly number[])[]);
  const questions = typeof question === 'string' ? [question] : question;
  if (images.length !== questions.length) throw new Error(`understandImage: ${images.length} images but ${questions.length} questions`);
  const { thinking, trainingTypo, ...sampling } = options;
  const prompts = images.map((codes, i) => {
    const text = formatChat([{ role: 'user', content: questions[i]! }], { bos: false, thinking, trainingTypo });
    return mmuSequence(codesToTokenIds(codes, tokenizer), tokenizer.encode(text), { specialTokens: tokenizer.specialTokens }).ids;
  });
  const r = await generateIds(model, prompts, k, { eotId: tokenizer.specialTokens.eotId, ...sampling });
  return { texts: decodeAnswers(r.generated, tokenizer), ids: r.generated, steps: r.steps };
}
