/**
 * Which LLaDA / MMaDA parameters go without weight decay.
 *
 * Upstream's list (`UPSTREAM_NO_DECAY` of @mmada/autograd: bias, layer_norm.weight, mlm_ln.weight,
 * embeddings.weight) names modules of other architectures: no LLaDA tensor name contains any of them, so upstream
 * decays every tensor, the RMSNorm weights and the embedding included. That stays the default (trainSft's
 * `noDecay`), as upstream trains. This list is the option that does what the upstream list intends on LLaDA's own
 * names: the RMSNorm weights (attn_norm, ff_norm, ln_f), the token embedding (wte) and any bias go undecayed.
 */
export const LLADA_NO_DECAY: readonly string[] = ['bias', 'attn_norm', 'ff_norm', 'ln_f', 'wte'];
