import type { Tensor } from './tensor.js';

/**
 * Explicit memory management. JS has no destructors, so device memory is owned explicitly:
 * `dispose(x)`, `scope(fn)` (frees what fn created and did not return), `keep(x)`.
 * Scope frames live in AsyncLocalStorage where it exists (Node), so a scope survives `await`
 * and concurrent scopes do not see each other's tensors; elsewhere a plain stack is used,
 * which is correct for sequentially nested scopes.
 */
interface Frame {
  readonly tensors: Set<Tensor>;
  readonly parent: Frame | null;
}

interface FrameStore {
  get(): Frame | null;
  run<T>(frame: Frame, fn: () => Promise<T>): Promise<T>;
}

const live = new Set<Tensor>();
const kept = new WeakSet<Tensor>();

function stackStore(): FrameStore {
  let current: Frame | null = null;
  return {
    get: () => current,
    async run(frame, fn) {
      const prev = current;
      current = frame;
      try {
        return await fn();
      } finally {
        current = prev;
      }
    },
  };
}

let store: FrameStore = stackStore();

/** Switches scope tracking to AsyncLocalStorage (done by init() in Node). */
export function useAsyncLocalStorage(als: { getStore(): unknown; run<R>(s: unknown, fn: () => R): R }): void {
  store = {
    get: () => (als.getStore() as Frame | undefined) ?? null,
    run: (frame, fn) => als.run(frame, fn),
  };
}

export function trackCreated(t: Tensor): void {
  live.add(t);
  store.get()?.tensors.add(t);
}

export function trackDisposed(t: Tensor): void {
  live.delete(t);
}

/** Live tensors and the device bytes they hold (storage shared by reshapes counted once). */
export function memory(): { tensors: number; bytes: number } {
  const seen = new Set<unknown>();
  let bytes = 0;
  for (const t of live) {
    const ref = t.dataRef;
    if (seen.has(ref)) continue;
    seen.add(ref);
    bytes += ref.storage.bytes;
  }
  return { tensors: live.size, bytes };
}

/** Marks tensors so that no enclosing scope frees them. Returns its argument. */
export function keep<T>(x: T): T {
  forEachTensor(x, (t) => kept.add(t));
  return x;
}

/** Disposes every tensor found in x (a tensor or any nested array/record of them). */
export function dispose(x: unknown): void {
  forEachTensor(x, (t) => t.dispose());
}

/**
 * Runs fn and then disposes every tensor created inside it, except the tensors in its result
 * and those passed to `keep`. Works across `await`. The result's tensors belong to the enclosing scope.
 */
export async function scope<T>(fn: () => T | Promise<T>): Promise<T> {
  const parent = store.get();
  const frame: Frame = { tensors: new Set(), parent };
  let result: T;
  try {
    result = await store.run(frame, async () => fn());
  } catch (e) {
    for (const t of frame.tensors) if (!kept.has(t)) t.dispose();
    throw e;
  }
  const returned = new Set<Tensor>();
  forEachTensor(result, (t) => returned.add(t));
  for (const t of frame.tensors) {
    if (returned.has(t) || kept.has(t)) {
      if (returned.has(t)) parent?.tensors.add(t);
      continue;
    }
    t.dispose();
  }
  return result;
}

/** Synchronous scope (like tfjs `tidy`): fn must not await. */
export function scopeSync<T>(fn: () => T): T {
  const parent = store.get();
  const frame: Frame = { tensors: new Set(), parent };
  const tracker = { active: true };
  let result: T;
  // Run with a temporary frame without going through the async store: emulate by swapping.
  const prevStore = store;
  store = {
    get: () => (tracker.active ? frame : prevStore.get()),
    run: prevStore.run,
  };
  try {
    result = fn();
  } catch (e) {
    store = prevStore;
    for (const t of frame.tensors) if (!kept.has(t)) t.dispose();
    throw e;
  } finally {
    tracker.active = false;
    store = prevStore;
  }
  if (result instanceof Promise) throw new Error('scopeSync: fn returned a Promise; use scope() for async work');
  const returned = new Set<Tensor>();
  forEachTensor(result, (t) => returned.add(t));
  for (const t of frame.tensors) {
    if (returned.has(t)) parent?.tensors.add(t);
    else if (!kept.has(t)) t.dispose();
  }
  return result;
}

/** Visits every Tensor in a value: a tensor, or nested arrays / plain objects / Maps of them. */
export function forEachTensor(x: unknown, fn: (t: Tensor) => void, seen = new Set<unknown>()): void {
  if (x === null || typeof x !== 'object' || seen.has(x)) return;
  seen.add(x);
  if (isTensorLike(x)) {
    fn(x as Tensor);
    return;
  }
  if (Array.isArray(x)) for (const v of x) forEachTensor(v, fn, seen);
  else if (x instanceof Map) for (const v of x.values()) forEachTensor(v, fn, seen);
  else if (Object.getPrototypeOf(x) === Object.prototype) for (const v of Object.values(x)) forEachTensor(v, fn, seen);
}

function isTensorLike(x: object): boolean {
  return typeof (x as Tensor).dispose === 'function' && 'dataRef' in (x as object) && 'shape' in x;
}
