/**
 * Chat formatting (spec/model.md §7). The default is the inference template of MMaDA's `generate.py` /
 * `app.py`, one `\n` after each header and BOS once at the start:
 *
 *   <|startoftext|><|start_header_id|>user<|end_header_id|>\n{content}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n
 *
 * The result is a string to tokenize whole, as upstream does.
 */

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant' | (string & {});
  readonly content: string;
}

/** The thinking-mode prefix MMaDA's app.py puts before the user's text. */
export const THINKING_PREFIX =
  'You should first think about the reasoning process in the mind and then provide the user with the answer. The reasoning process is enclosed within <think> </think> tags, i.e. <think> reasoning process here </think> answer here\n';

export interface ChatTemplateOptions {
  /** End with the assistant header so the model answers (default true). */
  readonly addGenerationPrompt?: boolean;
  /** Start with `<|startoftext|>` (default true; MMaDA's mmu layout adds BOS itself, so it passes false). */
  readonly bos?: boolean;
  /**
   * Close turns with the literal `<eot_id>` of MMaDA's training data and VLMEvalKit prompts instead of the
   * `<|eot_id|>` token (spec Quirk 9.3), to reproduce numbers measured that way. Default false.
   */
  readonly trainingTypo?: boolean;
  /** Prepend THINKING_PREFIX to the last user message (MMaDA's "thinking mode"). Default false. */
  readonly thinking?: boolean;
}

/** The chat-formatted prompt text. Each message's content is trimmed, as upstream's template does. */
export function formatChat(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  const eot = options.trainingTypo ? '<eot_id>' : '<|eot_id|>';
  let out = options.bos === false ? '' : '<|startoftext|>';
  messages.forEach((m, i) => {
    const content = options.thinking && i === lastUser ? THINKING_PREFIX + m.content : m.content;
    out += `<|start_header_id|>${m.role}<|end_header_id|>\n${content.trim()}${eot}`;
  });
  if (options.addGenerationPrompt ?? true) out += '<|start_header_id|>assistant<|end_header_id|>\n';
  return out;
}
