/**
 * Threefry-2x32 with 20 rounds (Salmon et al. 2011, the generator JAX uses), on the host.
 * The cpu kernel calls this and the WGSL kernel is a line-for-line port, so both devices
 * produce the same bits for the same key and counter.
 */
const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24] as const;
const PARITY = 0x1bd11bda;

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/** Encrypts the counter pair (c0, c1) with key (k0, k1); returns both output words. */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (PARITY ^ k0 ^ k1) >>> 0];
  let x0 = (c0 + ks[0]!) >>> 0;
  let x1 = (c1 + ks[1]!) >>> 0;
  for (let block = 0; block < 5; block++) {
    const rot = block % 2 === 0 ? 0 : 4;
    for (let r = 0; r < 4; r++) {
      x0 = (x0 + x1) >>> 0;
      x1 = rotl(x1, ROTATIONS[rot + r]!);
      x1 = (x1 ^ x0) >>> 0;
    }
    const s = block + 1;
    x0 = (x0 + ks[s % 3]!) >>> 0;
    x1 = (x1 + ks[(s + 1) % 3]! + s) >>> 0;
  }
  return [x0, x1];
}

/** bits[i] = word 0 of threefry2x32(key, (i, 0)); the definition every device follows. */
export function randomBitsHost(key: readonly [number, number], count: number): Uint32Array {
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = threefry2x32(key[0], key[1], i, 0)[0];
  return out;
}

/** The f32 in [0, 1) that `bitsToUnit` makes from 32 random bits: the top 23 bits as a mantissa. */
export function bitsToUnitHost(bits: number): number {
  return (bits >>> 9) / 8388608;
}
