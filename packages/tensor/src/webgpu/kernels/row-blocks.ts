/**
 * Tensors larger than one storage binding (maxStorageBufferBindingSize, or the lower limit the runtime is told
 * to assume): an 8B model's embedding and LM head, 134,656 × 4,096. Such a tensor lives in one buffer (up to
 * maxBufferSize) and is bound in row blocks (views at aligned offsets), so no op copies it:
 * - an embedding gather runs once per block of table rows, each run writing the output rows whose id falls in
 *   its block (and the first run zeroing out-of-range ids);
 * - x · Wᵀ runs the ordinary matmul per block of W's rows into a temporary and places it in its columns of the
 *   output; the output and x are themselves split into row blocks when they exceed a binding.
 */
import type { OutSpec, TensorRef } from '../../backend.js';
import { isHalf, type DType } from '../../dtype.js';
import { sizeOf } from '../../shape.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { Meta, WG, deviceBytes, main1d, metaDecl } from './common.js';

/** Device bytes of `rows` rows of `rowElems` elements of dtype (halves take 2 bytes, everything else 4). */
function rowsBytes(dtype: DType, rows: number, rowElems: number): number {
  return (isHalf(dtype) ? 2 : 4) * rows * rowElems;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Rows per block: the most rows that fit one binding for every row size in `viewed` (tensors bound as views,
 * whose block starts must be aligned) and `fresh` (new per-block storage, no alignment), a multiple of the
 * step that keeps every view's start aligned. Throws when not even one step fits.
 */
export function rowsPerBlock(rt: Runtime, viewed: readonly number[], fresh: readonly number[], what: string): number {
  const align = rt.bindingAlignment;
  let step = 1;
  for (const b of viewed) {
    const s = align / gcd(b, align);
    step = (step * s) / gcd(step, s);
  }
  const widest = Math.max(...viewed, ...fresh);
  const rows = Math.floor(rt.maxBindingBytes / widest / step) * step;
  if (rows < step) {
    throw new Error(`webgpu ${what}: a block of ${step} rows of ${widest} bytes does not fit the ${rt.maxBindingBytes}-byte storage binding limit`);
  }
  return rows;
}

/** True when a dispatch would bind more than one binding's worth of this tensor. */
export function overBinding(rt: Runtime, dtype: DType, size: number): boolean {
  return deviceBytes(dtype, size) > rt.maxBindingBytes;
}

/**
 * table [V, ...inner] gathered on axis 0 by ids [...] -> [...ids, ...inner], over row blocks of the table (and of
 * the output, when it too exceeds a binding). Out-of-range ids read 0, as in `gather`. Works on the raw words
 * of any dtype; f16 / bf16 halves are merged into the output word their neighbour shares.
 */
export function gatherRowBlocks(rt: Runtime, table: TensorRef, ids: TensorRef, out: OutSpec): GPUStorage {
  const V = table.shape[0]!;
  const inner = sizeOf(table.shape.slice(1));
  const n = ids.size;
  const half = isHalf(table.dtype);
  const y = rt.createStorage(deviceBytes(out.dtype, n * inner));
  if (n * inner === 0) return y;
  // Aligned block starts (a multiple of 4 bytes at least) also start on whole words for halves.
  const tRows = rowsPerBlock(rt, [rowsBytes(table.dtype, 1, inner)], [], 'embedding table');
  const oRows = rowsPerBlock(rt, [rowsBytes(table.dtype, 1, inner), 4], [], 'embedding output');
  for (let r0 = 0; r0 < n; r0 += oRows) {
    const rn = Math.min(oRows, n - r0);
    const yView = rt.view(y, rowsBytes(table.dtype, r0, inner), rowsBytes(table.dtype, rn, inner));
    const idView = rt.view(ids.storage as GPUStorage, r0 * 4, rn * 4);
    for (let v0 = 0; v0 < V; v0 += tRows) {
      const vn = Math.min(tRows, V - v0);
      const tView = rt.view(table.storage as GPUStorage, rowsBytes(table.dtype, v0, inner), rowsBytes(table.dtype, vn, inner));
      dispatchBlockGather(rt, tView, idView, yView, { half, inner, rows: rn, v0, vn, V, first: v0 === 0 });
    }
  }
  return y;
}

function dispatchBlockGather(
  rt: Runtime,
  table: GPUStorage,
  ids: GPUStorage,
  y: GPUStorage,
  p: { half: boolean; inner: number; rows: number; v0: number; vn: number; V: number; first: boolean },
): void {
  const n = p.rows * p.inner;
  const meta = new Meta().u32(n, p.inner, p.v0, p.vn, p.V, p.first ? 1 : 0);
  // The element value for output element e: from this block, 0 for an out-of-range id on the first block, or
  // `keep` (the value already there) when another block owns it.
  const pick = (e: string, load: string, keep: string): string => `{
    let id = ids[(${e}) / m(1u)];
    let c = (${e}) % m(1u);
    if (id >= i32(m(2u)) && id < i32(m(2u) + m(3u))) { v = ${load.split('ROW').join('((u32(id) - m(2u)) * m(1u) + c)')}; }
    else if (m(5u) == 1u && (id < 0 || id >= i32(m(4u)))) { v = 0u; }
    else { v = ${keep}; }
  }`;
  const body = p.half
    ? `  if (i >= (m(0u) + 1u) / 2u) { return; }
  let old = ys[i];
  var word = 0u;
  for (var k = 0u; k < 2u; k = k + 1u) {
    let e = 2u * i + k;
    if (e < m(0u)) {
      var v = 0u;
      ${pick('e', '(xs[(ROW) >> 1u] >> (((ROW) & 1u) * 16u)) & 0xffffu', '(old >> (16u * k)) & 0xffffu')}
      word = word | (v << (16u * k));
    }
  }
  ys[i] = word;`
    : `  if (i >= m(0u)) { return; }
  var v = 0u;
  ${pick('i', 'xs[ROW]', 'ys[i]')}
  ys[i] = v;`;
  rt.dispatch({
    key: `gatherRowBlock:${p.half ? 'h' : 'w'}`,
    code: () => `
@group(0) @binding(0) var<storage, read> xs: array<u32>;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read_write> ys: array<u32>;
${metaDecl(3, meta.length)}
${main1d(body)}`,
    bindings: [
      { storage: table, kind: 'read' },
      { storage: ids, kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(Math.ceil((p.half ? Math.ceil(n / 2) : n) / WG)),
  });
}

/** The ordinary matmul of one block: a [rows, K] f32 times b [cols, K]ᵀ -> new f32 storage [rows, cols]. */
export type BlockMatmul = (a: TensorRef, b: TensorRef, out: OutSpec) => GPUStorage;

/**
 * a [..., M, K] f32 (contiguous; batch dims fold into rows) times bᵀ with b [N, K] of any float dtype, when a, b
 * or the [..., M, N] output exceeds one binding. `bBytesPerElement` is what one element of b costs in the block
 * kernel's bindings (4 when that path widens b to f32 first).
 */
export function matmulRowBlocks(rt: Runtime, a: TensorRef, b: TensorRef, out: OutSpec, bBytesPerElement: number, blockMatmul: BlockMatmul): GPUStorage {
  const K = a.shape[a.shape.length - 1]!;
  const N = b.shape[b.shape.length - 2]!;
  const rows = a.size / Math.max(K, 1);
  const y = rt.createStorage(rows * N * 4);
  if (rows * N === 0) return y;
  if (K === 0) throw new Error('webgpu matmul: K = 0 with a tensor over the storage binding limit');
  const bRow = rowsBytes(b.dtype, 1, K);
  // W's rows are views (their f32 copies, when the block kernel widens them, are fresh storage). When x and the
  // output each fit one binding they stay whole and each [rows, bRows] temporary must fit one too; otherwise
  // x's rows and the output's rows are views as well (aligned starts), and so are split.
  const whole = rows * K * 4 <= rt.maxBindingBytes && rows * N * 4 <= rt.maxBindingBytes;
  const bRows = Math.min(N, rowsPerBlock(rt, [bRow], whole ? [K * bBytesPerElement, rows * 4] : [K * bBytesPerElement], 'matmul weight'));
  const mRows = whole ? rows : Math.min(rows, rowsPerBlock(rt, [K * 4, N * 4], [bRows * 4], 'matmul rows'));
  const aWhole = a.storage as GPUStorage;
  for (let m0 = 0; m0 < rows; m0 += mRows) {
    const mn = Math.min(mRows, rows - m0);
    const aView = mn === rows ? aWhole : rt.view(aWhole, m0 * K * 4, mn * K * 4);
    const yView = mn === rows && rows * N * 4 <= rt.maxBindingBytes ? y : rt.view(y, m0 * N * 4, mn * N * 4);
    for (let n0 = 0; n0 < N; n0 += bRows) {
      const nn = Math.min(bRows, N - n0);
      const bView = nn === N ? (b.storage as GPUStorage) : rt.view(b.storage as GPUStorage, rowsBytes(b.dtype, n0, K), rowsBytes(b.dtype, nn, K));
      const t = blockMatmul({ storage: aView, shape: [mn, K], dtype: 'f32', size: mn * K }, { storage: bView, shape: [nn, K], dtype: b.dtype, size: nn * K }, { shape: [mn, nn], dtype: 'f32' });
      placeColumns(rt, t, yView, mn, nn, N, n0);
      rt.release(t);
    }
  }
  return y;
}

/** y[r, n0 + c] = t[r, c] for a [rows, cols] block t and a [rows, N] y (a view of the output's rows). */
function placeColumns(rt: Runtime, t: GPUStorage, y: GPUStorage, rows: number, cols: number, N: number, n0: number): void {
  const n = rows * cols;
  const meta = new Meta().u32(n, cols, N, n0);
  rt.dispatch({
    key: 'placeColumns',
    code: () => `
@group(0) @binding(0) var<storage, read> ts: array<f32>;
@group(0) @binding(1) var<storage, read_write> ys: array<f32>;
${metaDecl(2, meta.length)}
${main1d(`  if (i >= m(0u)) { return; }
  let r = i / m(1u);
  let c = i % m(1u);
  ys[r * m(2u) + m(3u) + c] = ts[i];`)}`,
    bindings: [
      { storage: t, kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(Math.ceil(n / WG)),
  });
}
