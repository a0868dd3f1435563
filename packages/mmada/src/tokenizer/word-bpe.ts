/**
 * A byte-level BPE tokenizer learned from a closed-vocabulary corpus (a synthetic benchmark's templates) so
 * that every word of the corpus is one token, digits always stay single tokens, and any other text still
 * encodes through the 256 byte tokens. The result is a Hugging Face `tokenizer.json` (ByteLevel
 * pre-tokenizer and decoder, BPE model) that `@huggingface/tokenizers` and the Python `tokenizers` load.
 *
 * Learning is ordinary BPE (most frequent adjacent pair first, ties by the pair's text so the result never
 * depends on iteration order), run until no mergeable pair is left: replaying the merges by rank on a corpus
 * word rebuilds it whole. Pairs with a digit on either side are never merged, so `13` is `1`, `3`.
 */

/** GPT-2's reversible byte → printable character map (what the ByteLevel pre-tokenizer emits). */
export function byteLevelAlphabet(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const out = new Array<string>(256);
  bs.forEach((b, i) => (out[b] = String.fromCodePoint(cs[i]!)));
  return out;
}

/** The split of GPT-2's ByteLevel pre-tokenizer (`use_regex: true`). */
const PRETOKEN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export interface WordBpeOptions {
  /** Added tokens, in id order after the learned vocabulary (extracted from the text before pre-tokenizing). */
  readonly specialTokens: readonly string[];
  /**
   * Added tokens that decoding keeps even when it skips special tokens (e.g. `<think>`, `</think>`, which the
   * answer text must still show); placed after `specialTokens`.
   */
  readonly textTokens?: readonly string[];
  /** Upper bound on merges (default 4096): a guard against an open-vocabulary corpus. */
  readonly maxMerges?: number;
  /** Extra fields of tokenizer_config.json (bos_token, chat_template, ...). */
  readonly tokenizerConfig?: Record<string, unknown>;
}

export interface WordBpeTokenizer {
  readonly tokenizerJson: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
  /** Learned merges, in rank order. */
  readonly merges: readonly string[];
  /** Tokens in all: 256 bytes + merges + added tokens. */
  readonly size: number;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The pre-tokens of `text` as ByteLevel sees them (special tokens removed), with their counts added to `counts`. */
function countPretokens(text: string, specials: RegExp | undefined, byteChar: readonly string[], counts: Map<string, number>): void {
  const pieces = specials ? text.split(specials) : [text];
  const enc = new TextEncoder();
  for (const piece of pieces) {
    for (const m of piece.matchAll(PRETOKEN)) {
      const mapped = [...enc.encode(m[0])].map((b) => byteChar[b]!).join('');
      counts.set(mapped, (counts.get(mapped) ?? 0) + 1);
    }
  }
}

const isDigitPiece = (s: string) => /[0-9]/.test(s);

/** A word of the corpus as symbols (byte-level characters, merged as learning goes) with its count. */
export interface BpeWord {
  parts: string[];
  readonly count: number;
}

/**
 * Ordinary BPE learning: repeatedly merge the most frequent adjacent pair (counts weighted by the word counts,
 * ties broken by the pair's text, so the result never depends on iteration order) that `allowPair` accepts,
 * at most `maxMerges` times. Rewrites `words` in place; `exhausted` says whether no mergeable pair was left.
 */
export function learnMerges(
  words: BpeWord[],
  options: { readonly maxMerges: number; readonly allowPair?: (a: string, b: string) => boolean },
): { merges: string[]; exhausted: boolean } {
  const merges: string[] = [];
  for (;;) {
    const pairs = new Map<string, number>();
    for (const w of words) {
      for (let i = 0; i + 1 < w.parts.length; i++) {
        const a = w.parts[i]!, b = w.parts[i + 1]!;
        if (options.allowPair && !options.allowPair(a, b)) continue;
        const k = `${a} ${b}`;
        pairs.set(k, (pairs.get(k) ?? 0) + w.count);
      }
    }
    if (pairs.size === 0) return { merges, exhausted: true };
    if (merges.length >= options.maxMerges) return { merges, exhausted: false };
    let best = '';
    let bestCount = -1;
    for (const [k, c] of pairs) if (c > bestCount || (c === bestCount && k < best)) [best, bestCount] = [k, c];
    const [a, b] = best.split(' ') as [string, string];
    merges.push(best);
    for (const w of words) {
      const out: string[] = [];
      for (let i = 0; i < w.parts.length; i++) {
        if (i + 1 < w.parts.length && w.parts[i] === a && w.parts[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(w.parts[i]!);
      }
      w.parts = out;
    }
  }
}

/** Learns the tokenizer (see the file comment). Deterministic: the same corpus gives the same files. */
export function trainWordBpe(corpus: Iterable<string>, options: WordBpeOptions): WordBpeTokenizer {
  const byteChar = byteLevelAlphabet();
  const addedStrings = [...options.specialTokens, ...(options.textTokens ?? [])];
  const specials = addedStrings.length > 0 ? new RegExp(addedStrings.map(escapeRegex).join('|'), 'g') : undefined;
  const counts = new Map<string, number>();
  for (const text of corpus) countPretokens(text, specials, byteChar, counts);
  const words = [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([w, c]) => ({ parts: [...w], count: c }));

  const { merges, exhausted } = learnMerges(words, { maxMerges: options.maxMerges ?? 4096, allowPair: (a, b) => !isDigitPiece(a) && !isDigitPiece(b) });
  if (!exhausted) throw new RangeError(`trainWordBpe: more than ${options.maxMerges ?? 4096} merges needed; the corpus vocabulary is not closed`);
  const nSpecial = options.specialTokens.length;
  const tokenizerJson = byteLevelBpeJson(merges, addedStrings.map((content, i) => ({ content, special: i < nSpecial })));
  const first = 256 + merges.length;
  return { tokenizerJson, tokenizerConfig: { ...(options.tokenizerConfig ?? {}) }, merges, size: first + addedStrings.length };
}

/**
 * The tokenizer.json of a ByteLevel BPE (the layout HF tokenizers writes): ids 0–255 the byte symbols, then one
 * token per merge in order, then the added tokens in order.
 */
export function byteLevelBpeJson(merges: readonly string[], added: ReadonlyArray<{ readonly content: string; readonly special: boolean }>): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  byteLevelAlphabet().forEach((c, b) => (vocab[c] = b));
  merges.forEach((m, i) => (vocab[m.replace(' ', '')] = 256 + i));
  const first = 256 + merges.length;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added.map(({ content, special }, i) => ({ id: first + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
  };
}
