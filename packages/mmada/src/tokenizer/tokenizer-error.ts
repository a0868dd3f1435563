/** What is wrong with a tokenizer file: `file` names it, `detail` says what and where inside it. */
export class TokenizerError extends Error {
  override readonly name = 'TokenizerError';
  constructor(
    readonly file: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${detail}`, options);
  }
}
