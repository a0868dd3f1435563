/**
 * Text in, text out: `generateText` completes raw prompts, `chat` formats messages with the inference chat
 * template (optionally in thinking mode) and answers. Both decode the generated tokens without special
 * tokens, cut at the first EOS / `<|eot_id|>`, as upstream's decoding effectively does.
 */
import type { PRNGKey } from '@mmada/tensor';
import type { MaskPredictorModel } from '../model/mask-predictor-model.js';
import { formatChat, type ChatMessage, type ChatTemplateOptions } from '../tokenizer/chat-template.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { generateIds, type TextSamplingOptions } from './generate-ids.js';

export interface GeneratedText {
  /** The decoded answer, per prompt. */
  readonly texts: string[];
  /** The generated token ids (all genLength of them, EOS padding included), per prompt. */
  readonly ids: number[][];
  readonly steps: number;
}

/** Generated ids up to (not including) the first EOS or `<|eot_id|>`. */
export function untilEndOfText(ids: readonly number[], tokenizer: TextTokenizer): number[] {
  const s = tokenizer.specialTokens;
  const end = ids.findIndex((t) => t === s.eos || t === s.eotId);
  return end < 0 ? [...ids] : ids.slice(0, end);
}

export function decodeAnswers(generated: readonly (readonly number[])[], tokenizer: TextTokenizer): string[] {
  return generated.map((g) => tokenizer.decode(untilEndOfText(g, tokenizer), { skipSpecialTokens: true }));
}

/** Completes each prompt as given (no chat template, nothing added). */
export async function generateText(
  model: MaskPredictorModel,
  tokenizer: TextTokenizer,
  prompt: string | readonly string[],
  k: PRNGKey,
  options: TextSamplingOptions = {},
): Promise<GeneratedText> {
  const prompts = typeof prompt === 'string' ? [prompt] : prompt;
  const r = await generateIds(model, prompts.map((p) => tokenizer.encode(p)), k, { eotId: tokenizer.specialTokens.eotId, ...options });
  return { texts: decodeAnswers(r.generated, tokenizer), ids: r.generated, steps: r.steps };
}

export interface ChatOptions extends TextSamplingOptions, Pick<ChatTemplateOptions, 'thinking' | 'trainingTypo'> {}

/**
 * Answers a conversation (or a batch of them: pass an array of conversations). A bare string is one user
 * message. `thinking: true` prepends MMaDA's thinking-mode instruction to the last user message.
 */
export async function chat(
  model: MaskPredictorModel,
  tokenizer: TextTokenizer,
  conversation: string | readonly ChatMessage[] | readonly (readonly ChatMessage[])[],
  k: PRNGKey,
  options: ChatOptions = {},
): Promise<GeneratedText> {
  const { thinking, trainingTypo, ...sampling } = options;
  const conversations: (readonly ChatMessage[])[] =
    typeof conversation === 'string'
      ? [[{ role: 'user', content: conversation }]]
      : Array.isArray(conversation[0])
        ? (conversation as readonly (readonly ChatMessage[])[]).slice()
        : [conversation as readonly ChatMessage[]];
  const prompts = conversations.map((c) => formatChat(c, { thinking, trainingTypo }));
  return generateText(model, tokenizer, prompts, k, sampling);
}
