import { describe, expect, it } from 'vitest';
import { leftPadBatch, lmChatSequence, lmSequence, MMADA_SPECIAL_TOKENS as S, mmuSequence, t2iConditioningText, t2iPlanRequest, t2iPrompt, t2iSequence, t2iUnconditionalPrompt } from '@mmada/mmada';

// Readable names for the MMaDA ids (spec/model.md §4).
const BOS = 126080;
const EOS = 126081;
const T2I = 126088;
const MMU = 126089;
const SOI = 126084;
const EOI = 126085;
const IPAD = 126093;
const MASK = 126336;
const SH = 126346;
const EH = 126347;
const EOT = 126348;

describe('t2i layout', () => {
  const opts = { specialTokens: S, maxSeqLength: 6 };

  it('left-pads with [iPAD] to max_seq_length + 1 and masks only the pads', () => {
    const s = t2iSequence([11, 12], [126349, 126350, 126351], opts);
    expect(s.ids).toEqual([IPAD, IPAD, T2I, BOS, 11, 12, EOS, SOI, 126349, 126350, 126351, EOI]);
    expect(s.padMask).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('does not add a second BOS', () => {
    expect(t2iSequence([BOS, 11], [], opts).ids).toEqual([IPAD, IPAD, IPAD, T2I, BOS, 11, EOS, SOI, EOI]);
  });

  it('keeps the first max_seq_length tokens of <|t2i|>, BOS, text and appends EOS when too long', () => {
    const s = t2iSequence([1, 2, 3, 4, 5, 6, 7], [126349], opts);
    expect(s.ids).toEqual([T2I, BOS, 1, 2, 3, 4, EOS, SOI, 126349, EOI]);
    expect(s.padMask).toEqual(new Array(10).fill(1));
  });

  it('fits exactly at max_seq_length + 1', () => {
    expect(t2iSequence([1, 2, 3, 4], [], opts).ids).toEqual([T2I, BOS, 1, 2, 3, 4, EOS, SOI, EOI]);
  });

  it('starts generation from MASK and conditions on the empty prompt', () => {
    expect(t2iPrompt([11], 2, opts).ids).toEqual([IPAD, IPAD, IPAD, T2I, BOS, 11, EOS, SOI, MASK, MASK, EOI]);
    const u = t2iUnconditionalPrompt(2, opts);
    expect(u.ids).toEqual([IPAD, IPAD, IPAD, IPAD, T2I, BOS, EOS, SOI, MASK, MASK, EOI]);
    expect(u.padMask).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('has the 512-px length of 1539', () => {
    expect(t2iPrompt([1, 2, 3], 1024, { specialTokens: S, maxSeqLength: 512 }).ids).toHaveLength(1539);
  });
});

describe('plan-first text-to-image texts', () => {
  it('asks for a plan and conditions on the prompt followed by the plan', () => {
    expect(t2iPlanRequest('a red circle')).toBe('Plan the image: a red circle');
    expect(t2iConditioningText('a red circle')).toBe('a red circle');
    expect(t2iConditioningText('a red circle', '<think>red circle at top left</think>')).toBe('a red circle <think>red circle at top left</think>');
  });
});

describe('mmu layout', () => {
  it('puts the image first and ends the prompt at the last <|end_header_id|>', () => {
    const chat = [SH, 21, EH, 10, 31, 32, EOT, SH, 22, EH, 10];
    const s = mmuSequence([126349, 126350], chat, { specialTokens: S });
    expect(s.ids).toEqual([MMU, SOI, 126349, 126350, EOI, BOS, SH, 21, EH, 10, 31, 32, EOT, SH, 22, EH, 10]);
    expect(s.promptLength).toBe(16);
    expect(s.padMask).toEqual(new Array(17).fill(1));
  });

  it('pads training rows with EOS', () => {
    const s = mmuSequence([126349], [SH, EH, 5], { specialTokens: S, length: 10 });
    expect(s.ids).toEqual([MMU, SOI, 126349, EOI, BOS, SH, EH, 5, EOS, EOS]);
    expect(s.promptLength).toBe(7);
  });
});

describe('lm layouts', () => {
  it('lm: BOS, text, EOS, then EOS padding, all real tokens', () => {
    const s = lmSequence([5, 6], { specialTokens: S, length: 7 });
    expect(s.ids).toEqual([BOS, 5, 6, EOS, EOS, EOS, EOS]);
    expect(s.padMask).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('lm: cuts a long text without appending EOS', () => {
    expect(lmSequence([5, 6, 7, 8], { specialTokens: S, length: 3 }).ids).toEqual([BOS, 5, 6]);
  });

  it('lm_chat: the prompt ends at the last <|end_header_id|>', () => {
    const s = lmChatSequence([BOS, SH, 1, EH, 10, 2, EOT, SH, 3, EH, 10, 4, EOT], { specialTokens: S, length: 16 });
    expect(s.ids).toEqual([BOS, SH, 1, EH, 10, 2, EOT, SH, 3, EH, 10, 4, EOT, EOS, EOS, EOS]);
    expect(s.promptLength).toBe(10);
  });
});

describe('leftPadBatch', () => {
  it('left-pads with the pad id and masks the pads', () => {
    const b = leftPadBatch([[1, 2, 3], [4]], EOS);
    expect(b.ids).toEqual([[1, 2, 3], [EOS, EOS, 4]]);
    expect(b.padMask).toEqual([[1, 1, 1], [0, 0, 1]]);
    expect(b.padded).toBe(true);
    expect(leftPadBatch([[1], [2]], EOS).padded).toBe(false);
  });
});
