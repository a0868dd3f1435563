/** @mmada/tensor on the WebGPU device, with the same cases and protocol as the peers. */
import * as T from '@mmada/tensor';
import { valueAndGrad } from '@mmada/autograd';
import type { BenchCase } from './cases.js';
import { blockWeights, installWebGPUGlobals, type Peer } from './peers.js';

export async function oursPeer(): Promise<Peer> {
  // One Dawn instance for every library in the process: ours uses the same navigator.gpu as the peers.
  await installWebGPUGlobals();
  await T.init({ device: 'webgpu', gpu: (globalThis as unknown as { navigator: { gpu: GPU } }).navigator.gpu });
  const held: T.Tensor[] = [];
  let seed = 0;
  const rand = (shape: number[]) => {
    const t = T.keep(T.uniform(T.key(seed++), shape, { minval: -1, maxval: 1 }));
    held.push(t);
    return t;
  };
  return {
    name: '@mmada/tensor',
    version: '0.1.0',
    async prepare(c: BenchCase) {
      let run: () => T.Tensor;
      switch (c.kind) {
        case 'matmul': {
          const a = rand([c.n, c.n]);
          const b = rand([c.n, c.n]);
          run = () => T.matmul(a, b);
          break;
        }
        case 'softmax': {
          const x = rand(c.shape);
          run = () => T.softmax(x, -1);
          break;
        }
        case 'add': {
          const a = rand([c.size]);
          const b = rand([c.size]);
          run = () => T.add(a, b);
          break;
        }
        case 'attention': {
          const [q, k, v] = [0, 1, 2].map(() => rand([c.B, c.H, c.T, c.D])) as [T.Tensor, T.Tensor, T.Tensor];
          run = () => T.attention(q, k, v);
          break;
        }
        case 'block': {
          const w = blockWeights(c.d, c.hidden, rand);
          const x = rand([c.T, c.d]);
          const heads = (t: T.Tensor) => T.transpose(T.reshape(t, [1, c.T, c.H, c.d / c.H]), [0, 2, 1, 3]);
          run = () =>
            T.scopeSync(() => {
              const n = T.rmsNorm(x, w.attnNorm, 1e-5);
              const q = heads(T.matmul(n, w.q, { transB: true }));
              const k = heads(T.matmul(n, w.k, { transB: true }));
              const v = heads(T.matmul(n, w.v, { transB: true }));
              const a = T.reshape(T.transpose(T.attention(q, k, v), [0, 2, 1, 3]), [c.T, c.d]);
              const h = T.add(x, T.matmul(a, w.o, { transB: true }));
              const m = T.rmsNorm(h, w.ffNorm, 1e-5);
              const g = T.matmul(m, w.gate, { transB: true });
              const u = T.matmul(m, w.up, { transB: true });
              return T.add(h, T.matmul(T.mul(T.silu(g), u), w.down, { transB: true }));
            });
          break;
        }
        case 'gemm': {
          const a = rand(c.transA ? [c.K, c.M] : [c.M, c.K]);
          const b = rand(c.transB ? [c.N, c.K] : [c.K, c.N]);
          run = () => T.matmul(a, b, { transA: c.transA, transB: c.transB });
          break;
        }
        case 'conv': {
          const N = c.N ?? 1;
          const x = rand([N, c.C, c.S, c.S]);
          const w = rand([c.O, c.C, c.k, c.k]);
          const opts = c.down ? { stride: 2, padding: [0, 1, 0, 1] as [number, number, number, number] } : { padding: (c.k - 1) / 2 };
          if (!c.backward) {
            run = () => T.conv2d(x, w, null, opts);
            break;
          }
          const So = c.down ? c.S / 2 : c.S;
          const g = rand([N, c.O, So, So]);
          const grads = valueAndGrad((xw: [T.Tensor, T.Tensor]) => T.sum(T.mul(T.conv2d(xw[0], xw[1], null, opts), g)));
          // the forward is recomputed (autograd records it); the timed work is dominated by dx and dw
          return async (reps) => {
            for (let i = 0; i < reps; i++) {
              const r = await grads([x, w]);
              if (i === reps - 1) await r.grads[1].data();
              T.dispose([r.value, r.grads]);
            }
          };
        }
      }
      return async (reps) => {
        let last: T.Tensor | null = null;
        for (let i = 0; i < reps; i++) {
          last?.dispose();
          last = run();
        }
        await last!.data();
        last!.dispose();
      };
    },
    dispose() {
      T.dispose(held);
    },
  };
}
