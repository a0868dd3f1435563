/**
 * Peer libraries on the same WebGPU adapter, in the same Node process: tfjs-backend-webgpu and
 * jax-js. Both look for `navigator.gpu` when they load, so the `webgpu` package's GPU object and
 * constants are installed as globals first and the libraries are imported afterwards.
 */
import type { BenchCase } from './cases.js';

export interface Peer {
  readonly name: string;
  readonly version: string;
  /** Builds the case's inputs and returns a function that runs it `reps` times and waits for the result. */
  prepare(c: BenchCase): Promise<((reps: number) => Promise<void>) | null>;
  dispose(): void;
}

export async function installWebGPUGlobals(): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  if ((g.navigator as { gpu?: unknown } | undefined)?.gpu) return;
  const { create, globals } = (await import('webgpu')) as unknown as { create: (o: string[]) => unknown; globals: object };
  Object.assign(globalThis, globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]), userAgent: 'node' }, configurable: true });
}

export async function tfjsPeer(): Promise<Peer> {
  await installWebGPUGlobals();
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: webgpu backend unavailable');
  await tf.ready();
  const held: { dispose(): void }[] = [];
  type T = ReturnType<typeof tf.randomUniform>;
  const rand = (shape: number[]) => {
    const t = tf.randomUniform(shape, -1, 1);
    held.push(t);
    return t;
  };
  const rms = (x: T, w: T) => tf.tidy(() => tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-5))), w));
  const attn = (q: T, k: T, v: T) =>
    tf.tidy(() => tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(q.shape[3]!))), v));
  return {
    name: 'tfjs-webgpu',
    version: tf.version_core,
    async prepare(c) {
      let run: () => T;
      switch (c.kind) {
        case 'matmul': {
          const a = rand([c.n, c.n]);
          const b = rand([c.n, c.n]);
          run = () => tf.matMul(a, b);
          break;
        }
        case 'softmax': {
          const x = rand(c.shape);
          run = () => tf.softmax(x);
          break;
        }
        case 'add': {
          const a = rand([c.size]);
          const b = rand([c.size]);
          run = () => tf.add(a, b);
          break;
        }
        case 'attention': {
          const [q, k, v] = [0, 1, 2].map(() => rand([c.B, c.H, c.T, c.D])) as [T, T, T];
          run = () => attn(q, k, v);
          break;
        }
        case 'block': {
          const w = blockWeights(c.d, c.hidden, rand);
          const x = rand([c.T, c.d]);
          run = () =>
            tf.tidy(() => {
              const n = rms(x, w.attnNorm);
              const heads = (t: T) => tf.transpose(tf.reshape(t, [1, c.T, c.H, c.d / c.H]), [0, 2, 1, 3]);
              const q = heads(tf.matMul(n, w.q, false, true));
              const k = heads(tf.matMul(n, w.k, false, true));
              const v = heads(tf.matMul(n, w.v, false, true));
              const a = tf.reshape(tf.transpose(attn(q, k, v), [0, 2, 1, 3]), [c.T, c.d]);
              const h = tf.add(x, tf.matMul(a, w.o, false, true));
              const m = rms(h, w.ffNorm);
              const g = tf.matMul(m, w.gate, false, true);
              const u = tf.matMul(m, w.up, false, true);
              return tf.add(h, tf.matMul(tf.mul(tf.mul(g, tf.sigmoid(g)), u), w.down, false, true));
            });
          break;
        }
        case 'gemm': {
          const a = rand(c.transA ? [c.K, c.M] : [c.M, c.K]);
          const b = rand(c.transB ? [c.N, c.K] : [c.K, c.N]);
          run = () => tf.matMul(a, b, c.transA, c.transB);
          break;
        }
        case 'conv': {
          // tfjs-webgpu's native layout: x NHWC, filter [k, k, C, O]
          const N = c.N ?? 1;
          const x = rand([N, c.S, c.S, c.C]) as unknown as Parameters<typeof tf.conv2d>[0];
          const w = rand([c.k, c.k, c.C, c.O]) as unknown as Parameters<typeof tf.conv2d>[1];
          const conv = (xx: typeof x, ww: typeof w) =>
            c.down ? tf.conv2d(xx, ww, 2, [[0, 0], [0, 1], [0, 1], [0, 0]]) : tf.conv2d(xx, ww, 1, 'same');
          if (!c.backward) {
            run = () => conv(x, w) as unknown as T;
            break;
          }
          // the forward, then the two kernels tfjs's conv2d gradient runs (its Node bundle registers no gradients,
          // so they are called directly): the same products as ours (which also records an elementwise loss)
          const So = c.down ? c.S / 2 : c.S;
          const dy = rand([N, So, So, c.O]);
          const conf = { strides: c.down ? 2 : 1, pad: c.down ? [[0, 0], [0, 1], [0, 1], [0, 0]] : 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
          return async (reps) => {
            for (let i = 0; i < reps; i++) {
              const y = conv(x, w);
              const [xt, wt] = [x as unknown as T, w as unknown as T];
              const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: wt }, { ...conf, inputShape: xt.shape } as never) as T;
              const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy }, { ...conf, filterShape: wt.shape } as never) as T;
              if (i === reps - 1) await dw.data();
              tf.dispose([y, dx, dw]);
            }
          };
        }
      }
      return async (reps) => {
        let last: T | null = null;
        for (let i = 0; i < reps; i++) {
          last?.dispose();
          last = run();
        }
        await last!.data();
        last!.dispose();
      };
    },
    dispose() {
      for (const t of held) t.dispose();
    },
  };
}

export async function jaxPeer(): Promise<Peer> {
  await installWebGPUGlobals();
  const jax = await import('@jax-js/jax');
  const devices = await jax.init();
  if (!devices.includes('webgpu')) throw new Error('jax-js: webgpu device unavailable');
  jax.defaultDevice('webgpu');
  const np = jax.numpy;
  const nn = jax.nn;
  type A = ReturnType<typeof np.ones>;
  const held: A[] = [];
  let seed = 0;
  const rand = (shape: number[]) => {
    const a = jax.random.uniform(jax.random.key(seed++), shape, { minval: -1, maxval: 1 }) as A;
    held.push(a);
    return a;
  };
  // jax-js consumes arguments (move semantics): `.ref` keeps a held array alive.
  const rms = (x: A, w: A) => np.multiply(np.multiply(x.ref, np.reciprocal(np.sqrt(np.add(np.mean(np.square(x), -1, { keepdims: true }), 1e-5)))), w.ref);
  const attn = (q: A, k: A, v: A, D: number) => np.matmul(nn.softmax(np.multiply(np.matmul(q, np.swapaxes(k, -1, -2)), 1 / Math.sqrt(D)), -1), v);
  return {
    name: 'jax-js',
    version: '0.1.25',
    async prepare(c) {
      let run: () => A;
      switch (c.kind) {
        case 'matmul': {
          const a = rand([c.n, c.n]);
          const b = rand([c.n, c.n]);
          run = () => np.matmul(a.ref, b.ref);
          break;
        }
        case 'softmax': {
          const x = rand(c.shape);
          run = () => nn.softmax(x.ref, -1);
          break;
        }
        case 'add': {
          const a = rand([c.size]);
          const b = rand([c.size]);
          run = () => np.add(a.ref, b.ref);
          break;
        }
        case 'attention': {
          const [q, k, v] = [0, 1, 2].map(() => rand([c.B, c.H, c.T, c.D])) as [A, A, A];
          run = () => attn(q.ref, k.ref, v.ref, c.D);
          break;
        }
        case 'block': {
          const w = blockWeights(c.d, c.hidden, rand);
          const x = rand([c.T, c.d]);
          const lin = (t: A, W: A) => np.matmul(t, np.transpose(W.ref));
          const heads = (t: A) => np.transpose(np.reshape(t, [1, c.T, c.H, c.d / c.H]), [0, 2, 1, 3]);
          run = () => {
            const n = rms(x.ref, w.attnNorm);
            const q = heads(lin(n.ref, w.q));
            const k = heads(lin(n.ref, w.k));
            const v = heads(lin(n, w.v));
            const a = np.reshape(np.transpose(attn(q, k, v, c.d / c.H), [0, 2, 1, 3]), [c.T, c.d]);
            const h = np.add(x.ref, lin(a, w.o));
            const m = rms(h.ref, w.ffNorm);
            const g = lin(m.ref, w.gate);
            const u = lin(m, w.up);
            return np.add(h, lin(np.multiply(nn.silu(g), u), w.down));
          };
          break;
        }
        case 'gemm': {
          const a = rand(c.transA ? [c.K, c.M] : [c.M, c.K]);
          const b = rand(c.transB ? [c.N, c.K] : [c.K, c.N]);
          run = () => np.matmul(c.transA ? np.transpose(a.ref) : a.ref, c.transB ? np.transpose(b.ref) : b.ref);
          break;
        }
        case 'conv':
          return null; // not measured here
      }
      // jax-js is lazy: disposing an array that was never realised drops its pending work, so every result is
      // kept until all of them have been executed (otherwise only the last of the R runs would be computed).
      return async (reps) => {
        const results: A[] = [];
        for (let i = 0; i < reps; i++) results.push(run());
        const last = results.pop()!;
        await jax.blockUntilReady(results);
        for (const r of results) r.dispose();
        await last.data();
      };
    },
    dispose() {
      for (const a of held) a.dispose();
    },
  };
}

export function blockWeights<W>(d: number, hidden: number, rand: (shape: number[]) => W) {
  return {
    attnNorm: rand([d]), ffNorm: rand([d]),
    q: rand([d, d]), k: rand([d, d]), v: rand([d, d]), o: rand([d, d]),
    gate: rand([hidden, d]), up: rand([hidden, d]), down: rand([d, hidden]),
  };
}
