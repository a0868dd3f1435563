/** MMaDA's unified reasoning format: a `<think>` that comes before a `</think>` (newlines allowed between). */
export const hasThinkFormat = (completion: string): boolean => /<think>[\s\S]*?<\/think>/.test(completion);

/** The final answer part of a completion: the text after the last `</think>` (all of it when there is none), trimmed. */
export function answerAfterThink(completion: string): string {
  const i = completion.lastIndexOf('</think>');
  return (i < 0 ? completion : completion.slice(i + '</think>'.length)).trim();
}
