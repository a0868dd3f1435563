/** The benchmark cases, the same for every library. `work` is FLOPs (or bytes moved for `add`). */
export type BenchCase =
  | { kind: 'matmul'; name: string; n: number }
  | { kind: 'softmax'; name: string; shape: [number, number] }
  | { kind: 'add'; name: string; size: number }
  | { kind: 'attention'; name: string; B: number; H: number; T: number; D: number }
  | { kind: 'block'; name: string; T: number; d: number; H: number; hidden: number }
  /** A matmul at a model's shapes: a [M, K] (or [K, M] with transA) times b [K, N] (or [N, K] with transB). */
  | { kind: 'gemm'; name: string; M: number; K: number; N: number; transA: boolean; transB: boolean }
  /**
   * conv2d, x [N, C, S, S] (N default 1) and w [O, C, k, k]: stride 1 with 'same' zero padding, or `down`: stride 2
   * with padding [0, 1, 0, 1] (the image tokenizer's downsample); `backward`: the gradients of x and w.
   */
  | { kind: 'conv'; name: string; C: number; O: number; S: number; k: number; backward: boolean; N?: number; down?: boolean };

export function benchCases(quick: boolean): BenchCase[] {
  const sizes = quick ? [256, 512] : [256, 512, 1024, 2048];
  return [
    ...sizes.map((n): BenchCase => ({ kind: 'matmul', name: `matmul ${n}`, n })),
    { kind: 'softmax', name: 'softmax 1024x1024', shape: [1024, 1024] },
    { kind: 'add', name: 'add 1M', size: 1 << 20 },
    { kind: 'attention', name: 'attention B1 H4 T256 D64', B: 1, H: 4, T: 256, D: 64 },
    { kind: 'block', name: 'block d256 T256', T: 256, d: 256, H: 4, hidden: 688 },
    // the matmuls of the train-step model (batch 16 x 64 folded into 1024 rows; x·Wᵀ, ct·W, ctᵀ·x) and a larger one
    gemm(1024, 128, 384, false, true),
    gemm(1024, 384, 128, false, false),
    gemm(384, 1024, 128, true, false),
    gemm(4096, 512, 512, false, true),
    // conv2d (MAGVIT-v2 layer shapes) next to the matmul of the same FLOPs (the implicit GEMM's M, K, N)
    { kind: 'conv', name: 'conv2d 128->128 32x32 k3', C: 128, O: 128, S: 32, k: 3, backward: false },
    gemm(128, 1152, 1024, false, false),
    { kind: 'conv', name: 'conv2d 3->128 64x64 k3', C: 3, O: 128, S: 64, k: 3, backward: false },
    { kind: 'conv', name: 'conv2d backward 64->64 32x32 k3', C: 64, O: 64, S: 32, k: 3, backward: true },
    // the ShapesWorld image tokenizer's largest level (batch 32) and its downsample
    { kind: 'conv', name: 'conv2d N32 16->16 32x32 k3', C: 16, O: 16, S: 32, k: 3, backward: false, N: 32 },
    { kind: 'conv', name: 'conv2d backward N32 16->16 32x32 k3', C: 16, O: 16, S: 32, k: 3, backward: true, N: 32 },
    { kind: 'conv', name: 'conv2d backward N32 16->16 32x32 k3 stride 2', C: 16, O: 16, S: 32, k: 3, backward: true, N: 32, down: true },
  ];
}

function gemm(M: number, K: number, N: number, transA: boolean, transB: boolean): BenchCase {
  const a = transA ? `${K}x${M}ᵀ` : `${M}x${K}`;
  const b = transB ? `${N}x${K}ᵀ` : `${K}x${N}`;
  return { kind: 'gemm', name: `matmul ${a} · ${b}`, M, K, N, transA, transB };
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
    case 'gemm':
      return { unit: 'GFLOP/s', amount: 2 * c.M * c.K * c.N };
    case 'conv': {
      // forward 2·N·O·C·k²·Ho·Wo; the backward is two products of that size (dx and dw)
      const So = c.down ? c.S / 2 : c.S;
      return { unit: 'GFLOP/s', amount: (c.backward ? 2 : 1) * 2 * (c.N ?? 1) * c.O * c.C * c.k * c.k * So * So };
    }
  }
}
