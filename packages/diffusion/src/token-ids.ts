/** The LLaDA / MMaDA mask token id, the default `maskId` everywhere in this package. */
export const LLADA_MASK_ID = 126336;
/** The LLaDA / MMaDA `<|endoftext|>` (EOS) id. */
export const LLADA_EOS_ID = 126081;
/** The LLaDA / MMaDA `<|eot_id|>` (end of turn) id. */
export const LLADA_EOT_ID = 126348;
/** Where MMaDA's 8192 image codes start in its vocabulary (Show-o uses 50305). */
export const MMADA_CODEBOOK_OFFSET = 126349;
/** MAGVIT-v2 codebook size. */
export const MAGVIT_CODEBOOK_SIZE = 8192;
