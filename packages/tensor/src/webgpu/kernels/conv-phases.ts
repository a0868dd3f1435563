/** The phase classes of a strided convolution's input gradient (one axis): which taps reach which input pixels. */
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const mod = (a: number, b: number): number => ((a % b) + b) % b;

/**
 * The taps of one kernel axis that reach the input rows of one phase p (rows y ≡ p mod stride): u with
 * (p + pad − u·dilation) ≡ 0 mod stride, an arithmetic progression `first`, `first + step`, … of `count` taps. Row
 * y = p + stride·a then reads gradient row base + a − t·di for the t-th of them.
 */
export interface Phase {
  readonly first: number;
  readonly count: number;
  readonly step: number;
  readonly base: number;
  readonly di: number;
}

export function phases(k: number, stride: number, dilation: number, pad: number): Phase[] {
  const g = gcd(stride, dilation);
  const step = stride / g;
  return Array.from({ length: stride }, (_, p) => {
    let first = 0;
    while (first < k && mod(p + pad - first * dilation, stride) !== 0) first++;
    const count = first < k ? Math.floor((k - 1 - first) / step) + 1 : 0;
    return { first, count, step, base: count ? (p + pad - first * dilation) / stride : 0, di: dilation / g };
  });
}

