/** The benchmark cases, the same for every library. `work` is FLOPs (or bytes moved for `add`). */
export type BenchCase =
  | { kind: 'matmul'; name: string; n: number }
  | { kind: 'softmax'; name: string; shape: [number, number] }
  | { kind: 'add'; name: string; size: number }
  | { kind: 'attention'; name: string; B: number; H: number; T: number; D: number }
  | { kind: 'block'; name: string; T: number; d: number; H: number; hidden: number };

export function benchCases(quick: boolean): BenchCase[] {
  const sizes = quick ? [256, 512] : [256, 512, 1024, 2048];
  return [
    ...sizes.map((n): BenchCase => ({ kind: 'matmul', name: `matmul ${n}`, n })),
    { kind: 'softmax', name: 'softmax 1024x1024', shape: [1024, 1024] },
    { kind: 'add', name: 'add 1M', size: 1 << 20 },
    { kind: 'attention', name: 'attention B1 H4 T256 D64', B: 1, H: 4, T: 256, D: 64 },
    { kind: 'block', name: 'block d256 T256', T: 256, d: 256, H: 4, hidden: 688 },
  ];
}

/** Throughput unit and amount of work of one run of a case. */
export function workOf(c: BenchCase): { unit: 'GFLOP/s' | 'GB/s' | 'runs/s'; amount: number } {
  switch (c.kind) {
    case 'matmul':
      return { unit: 'GFLOP/s', amount: 2 * c.n ** 3 };
    case 'add':
      return { unit: 'GB/s', amount: 12 * c.size };
    case 'attention':
      return { unit: 'GFLOP/s', amount: 4 * c.B * c.H * c.T * c.T * c.D };
    case 'block': {
      const lin = 2 * c.T * (4 * c.d * c.d + 3 * c.d * c.hidden);
      return { unit: 'GFLOP/s', amount: lin + 4 * c.T * c.T * c.d };
    }
    case 'softmax':
      return { unit: 'runs/s', amount: 1 };
  }
}
