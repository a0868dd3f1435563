/**
 * Range sweep of every kernel that reduces or exponentiates (softmax, logSoftmax, logSumExp, crossEntropy and its
 * backward, attention and its backward, rmsNorm, layerNorm, groupNorm, sum and mean over long rows), on webgpu and
 * on cpu, against float64 references written here: inputs at scales 1e-4 … 1e4, rows with exact ties, rows with
 * −∞ (masked) entries, all-masked rows, and a few rows of 131072 (≥ the MMaDA vocabulary) entries.
 *
 * With `finite`, the webgpu device is the finite-sentinel build (every infinity the kernels see becomes ±F32_MAX)
 * and the references are computed from the inputs as the kernels see them (±∞ replaced by ±F32_MAX).
 *
 * Tolerances are first-order error bounds of the kernels' f32 arithmetic, written in units of u = 2⁻²⁴ (the unit
 * roundoff: one rounding has relative error ≤ u, and a relative error ε is at most ε/u ULPs of f32). Each bound is
 * derived in the comment of its check and evaluated per element from the float64 data; failures report the error
 * in ULPs of the reference. The WGSL accuracy of the built-ins is taken from the WGSL spec: exp(x) 3 + 2|x| ULP,
 * log(x) 3 ULP outside [0.5, 2] and absolute 2⁻²¹ inside, x / y 2.5 ULP, sqrt (as 1 / inverseSqrt) 2 + 2.5 ULP,
 * where one ULP is at most 2u relative.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { webgpuAvailable } from '../../../tests/support/devices.js';
import { rng } from '../../../tests/support/rng.js';

const U = 2 ** -24;
const F32_MAX = 3.4028234663852886e38;
const MASKED = -F32_MAX; // the attention pad-mask term
/** Relative error of WGSL exp at argument d (3 + 2|d| ULP, an ULP being ≤ 2u relative). */
const expErr = (d: number): number => 2 * (3 + 2 * Math.abs(d)) * U;
/** Absolute error of WGSL log at s. */
const logErr = (s: number): number => (s >= 0.5 && s <= 2 ? 2 ** -21 : 6 * U * Math.abs(Math.log(s)));
const SCALES = [1e-4, 1e-2, 1, 1e2, 1e4];
/**
 * WGSL lets a GPU flush any subnormal intermediate or result to zero, so every result may be off by the
 * smallest normal f32 (2⁻¹²⁶) times how much a flushed value is amplified on its way to the result (1 for a
 * result that is itself flushed; the attention gradients pass a factor computed from their inputs).
 */
const FTZ = 2 ** -126;
const LONG = 131072;

/** One ULP of f32 at |v| (the subnormal spacing below the normal range). */
export function ulp(v: number): number {
  const a = Math.abs(v);
  if (!(a >= 2 ** -126)) return 2 ** -149;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - 23);
}

/** The values as the kernels see them: ±∞ replaced by ±F32_MAX in the finite-sentinel build. */
const seenBy = (finite: boolean) => (x: Float32Array): Float32Array =>
  finite ? x.map((v) => (v === Infinity ? F32_MAX : v === -Infinity ? -F32_MAX : v)) : x;

interface Stats {
  worst: number;
  where: string;
  used?: number;
}

/**
 * Checks `actual` against the float64 reference `ref` with absolute bounds `tol` (a bound below one rounding of the
 * result is raised to ½ ULP: the result is stored in f32). NaN must match NaN, values that round to ±∞ in f32 must
 * be that infinity. Returns the worst error in ULPs of the reference.
 */
function compare(actual: ArrayLike<number>, ref: ArrayLike<number>, tol: ArrayLike<number>, label: string, stats: Stats, ftz = FTZ): void {
  expect(actual.length, label).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const e = ref[i]!;
    const a = actual[i]!;
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) expect.fail(`${label} [${i}]: want NaN, got ${a}`);
      continue;
    }
    const e32 = Math.fround(e);
    if (!Number.isFinite(e32)) {
      if (a !== e32) expect.fail(`${label} [${i}]: want ${e32}, got ${a}`);
      continue;
    }
    const err = Math.abs(a - e);
    const bound = Math.max(tol[i]!, 0.5 * ulp(e)) * (1 + 1e-9) + ftz;
    const ulps = err / ulp(e);
    // the report: worst error in ULPs among results ≥ 2⁻¹⁰⁰ (clear of subnormal flushing), and the largest
    // share of its bound any error used
    if (Math.abs(e) >= 2 ** -100 && ulps > stats.worst) Object.assign(stats, { worst: ulps, where: `${label} [${i}]` });
    stats.used = Math.max(stats.used ?? 0, err / bound);
    if (!(err <= bound)) {
      expect.fail(`${label} [${i}]: got ${a}, want ${e} (error ${ulps.toFixed(1)} ULP, bound ${(bound / ulp(e)).toFixed(1)} ULP)`);
    }
  }
}

// ---- float64 references ------------------------------------------------------------------------------

interface RowStats {
  mx: number;
  s: number;
  /** relative error bound of the kernel's s, in absolute terms (ε_s) before the summation-depth term */
  weightedErr: number;
}

/**
 * Row statistics as the kernels define them: max, Σ exp(x - max) with entries equal to the max counting 1, and
 * Σ e_j·ε_j / s where ε_j = |d_j|·u (rounding of d_j = x_j - max) + exp's error at d_j (0 for ties: exactly 1).
 */
function rowStats(x: ArrayLike<number>, o: number, n: number): RowStats {
  let mx = -Infinity;
  for (let j = 0; j < n; j++) mx = Math.max(mx, x[o + j]!);
  let s = 0;
  let w = 0;
  for (let j = 0; j < n; j++) {
    const v = x[o + j]!;
    if (v === mx) {
      s += 1;
      continue;
    }
    const d = v - mx;
    const e = Math.exp(d);
    s += e;
    if (e > 0) w += e * (Math.abs(d) * U + expErr(d));
  }
  return { mx, s, weightedErr: w / s };
}
const shifted = (v: number, mx: number) => (v === mx ? 0 : v - mx);
const expShifted = (v: number, mx: number) => (v === mx ? 1 : Math.exp(v - mx));
/** Relative error of a single exp_shifted term (0 for a tie, which is exactly 1, and for a term that is exactly 0). */
const termErr = (v: number, mx: number) => (v === mx || Math.exp(v - mx) === 0 ? 0 : Math.abs(v - mx) * U + expErr(v - mx));

/** Summation depth of the row kernels (64 invocations: a serial run of ⌈n/64⌉ terms, then a 6-level tree). */
const rowDepth = (n: number) => Math.ceil(n / 64) + 6;

// ---- inputs ---------------------------------------------------------------------------------------------

interface Rows {
  name: string;
  data: Float32Array;
  rows: number;
  n: number;
}

/** Row families of one scale: random, exact ties, −∞-masked entries, an all-masked row. */
function rowCases(r: () => number, scale: number, n: number, masked: boolean): Rows[] {
  const rnd = (len: number) => Float32Array.from({ length: len }, () => scale * (2 * r() - 1));
  const out: Rows[] = [{ name: 'random', data: rnd(3 * n), rows: 3, n }];
  // ties: the maximum repeated, and pairs of equal values, including the issue's [A, A, 0, 0] pattern
  const ties = rnd(2 * n);
  const top = Math.fround(scale * 1.5);
  for (let j = 0; j < n; j += 3) ties[j] = top;
  for (let j = 1; j + 1 < n; j += 3) ties[j + 1] = ties[j]!;
  ties.set([top, top, 0, 0].slice(0, n), n);
  ties.fill(0, n + Math.min(n, 4), 2 * n);
  out.push({ name: 'ties', data: ties, rows: 2, n });
  if (masked) {
    const m = rnd(2 * n);
    for (let j = 0; j < 2 * n; j++) if (r() < 0.4) m[j] = -Infinity;
    m[0] = -Infinity; // a row that starts masked
    out.push({ name: 'masked', data: m, rows: 2, n });
    out.push({ name: 'all-masked', data: new Float32Array(n).fill(-Infinity), rows: 1, n });
  }
  return out;
}

// ---- the sweep ------------------------------------------------------------------------------------------

export function rangeSweep(finite: boolean): void {
  const seen = seenBy(finite);
  /**
   * Inputs on a device: webgpu gets the raw values (its finite-sentinel build replaces the infinities itself);
   * the cpu backend, which has no such build, gets them as the webgpu kernels see them.
   */
  const dev = (data: Float32Array, shape: number[], device: 'cpu' | 'webgpu') =>
    T.tensor(device === 'cpu' ? seen(data) : data, shape, 'f32', { device });
  let hasGPU = false;
  beforeAll(async () => {
    hasGPU = await webgpuAvailable(finite ? { finiteSentinels: true } : {});
    await T.init({ device: 'cpu' });
  });
  const devices = (): ('cpu' | 'webgpu')[] => (hasGPU ? ['cpu', 'webgpu'] : ['cpu']);
  const worst: Record<string, Stats> = {};
  const stats = (k: string) => (worst[k] ??= { worst: 0, where: '' });

  describe(`range sweep vs float64${finite ? ' (finite sentinels)' : ''}`, () => {
    it('has an adapter (or says why not)', () => {
      if (!hasGPU) console.warn('range sweep: no WebGPU adapter, only the cpu backend is checked');
    });

    it('softmax, logSoftmax, crossEntropy and its backward', async () => {
      const r = rng(1801);
      const cases: Rows[] = [];
      for (const scale of SCALES) for (const c of rowCases(r, scale, 37, true)) cases.push({ ...c, name: `${c.name} ×${scale}` });
      const long = Float32Array.from({ length: LONG }, () => 8 * (2 * r() - 1));
      for (let j = 0; j < LONG; j += 5) long[j] = -Infinity;
      long[77777] = 12;
      long[99999] = 12;
      cases.push({ name: 'long', data: long, rows: 1, n: LONG });
      for (const c of cases) {
        const x = seen(c.data);
        const { rows, n } = c;
        const targets = Int32Array.from({ length: rows }, (_, i) => (i * 7 + 1) % n);
        const g = Float32Array.from({ length: rows }, (_, i) => (i % 2 ? -1.5 : 0.75));
        const p = new Float64Array(rows * n);
        const pTol = new Float64Array(rows * n);
        const ls = new Float64Array(rows * n);
        const lsTol = new Float64Array(rows * n);
        const ce = new Float64Array(rows);
        const ceTol = new Float64Array(rows);
        const dx = new Float64Array(rows * n);
        const dxTol = new Float64Array(rows * n);
        for (let i = 0; i < rows; i++) {
          const o = i * n;
          const st = rowStats(x, o, n);
          // s: each term's error (weighted) + one rounding per addition along the deepest summation chain
          const epsS = st.weightedErr + rowDepth(n) * U;
          // the backward merges online (max, s) pairs: each of ⌈n/wg⌉ + log2(wg) steps may rescale by
          // exp(-Δ), adding ≤ (3 + 2Δ)·2u·e^-Δ ≤ 6u of the final s, plus 2 roundings (u each)
          const wg = n >= 1024 ? 256 : n >= 128 ? 128 : 64;
          const epsSb = st.weightedErr + (Math.ceil(n / wg) + Math.log2(wg)) * 8 * U;
          const lsErr = epsS + logErr(st.s); // error of log(s)
          for (let j = 0; j < n; j++) {
            const v = x[o + j]!;
            const e = expShifted(v, st.mx) / st.s;
            p[o + j] = e;
            // p = e·(1/s): the term's error, s's error, 1/s (2.5 ULP = 5u) and the product (u)
            pTol[o + j] = (termErr(v, st.mx) + epsS + 6 * U) * e;
            const d = shifted(v, st.mx);
            ls[o + j] = d - Math.log(st.s);
            // (x - mx) rounded (½ ULP), log(s)'s error, the subtraction's rounding (½ ULP, added by compare)
            lsTol[o + j] = 0.5 * ulp(d) + lsErr + 0.5 * ulp(ls[o + j]!);
            const gp = g[i]! * e;
            dx[o + j] = gp - (j === targets[i] ? g[i]! : 0);
            // g·e/s: term, merged s (epsSb), g / s (5u), product (u); then the target's subtraction (½ ULP)
            dxTol[o + j] = Math.abs(g[i]!) * e * (termErr(v, st.mx) + epsSb + 6 * U) + 0.5 * ulp(dx[o + j]!);
          }
          ce[i] = -ls[o + targets[i]!]!;
          ceTol[i] = lsTol[o + targets[i]!]!;
        }
        for (const device of devices()) {
          const label = `${device} ${c.name} [${rows}, ${n}]`;
          const xt = dev(c.data, [rows, n], device);
          const tt = T.tensor(targets, [rows], 'i32', { device });
          const gt = dev(g, [rows], device);
          const sm = T.softmax(xt);
          const lsm = T.logSoftmax(xt);
          const l = T.crossEntropy(xt, tt);
          const d = T.crossEntropyBackward(xt, tt, gt, -100);
          const [smv, lsmv, lv, dv] = await Promise.all([sm.data(), lsm.data(), l.data(), d.data()]);
          compare(smv, p, pTol, `softmax ${label}`, stats(`softmax ${device}`));
          compare(lsmv, ls, lsTol, `logSoftmax ${label}`, stats(`logSoftmax ${device}`));
          compare(lv, ce, ceTol, `crossEntropy ${label}`, stats(`crossEntropy ${device}`));
          compare(dv, dx, dxTol, `crossEntropyBackward ${label}`, stats(`crossEntropyBackward ${device}`));
          // ln p of a code is one number: crossEntropy is exactly minus logSoftmax at the target
          for (let i = 0; i < rows; i++) {
            if (!Object.is(lv[i], -lsmv[i * n + targets[i]!]! + 0)) {
              expect(lv[i], `${label} row ${i}: crossEntropy vs -logSoftmax`).toBe(-lsmv[i * n + targets[i]!]!);
            }
          }
          T.dispose([xt, tt, gt, sm, lsm, l, d]);
        }
      }
    });

    it('logSumExp, sum and mean (short rows, and one row of 131072)', async () => {
      const r = rng(1802);
      const cases: Rows[] = [];
      for (const scale of SCALES) for (const c of rowCases(r, scale, 37, true)) cases.push({ ...c, name: `${c.name} ×${scale}` });
      const long = Float32Array.from({ length: LONG }, () => 1e4 * (2 * r() - 1));
      cases.push({ name: 'long ×1e4', data: long, rows: 1, n: LONG });
      for (const c of cases) {
        const x = seen(c.data);
        const { rows, n } = c;
        const lse = new Float64Array(rows);
        const lseTol = new Float64Array(rows);
        const sum = new Float64Array(rows);
        const sumTol = new Float64Array(rows);
        const mean = new Float64Array(rows);
        const meanTol = new Float64Array(rows);
        // reduce kernel summation depth: serial for n ≤ 64, else ⌈n/wg⌉ then a log2(wg)-level tree
        const wg = n >= 4096 ? 256 : 64;
        const depth = n <= 64 ? n : Math.ceil(n / wg) + Math.log2(wg);
        for (let i = 0; i < rows; i++) {
          const o = i * n;
          const st = rowStats(x, o, n);
          // logSumExp = log(Σ exp(x - m)) + m with m the max where finite (ops/reduce.ts): s's error, log's, the add
          const finiteMax = Number.isFinite(st.mx);
          const shift = finiteMax ? st.mx : 0;
          let s = 0;
          let w = 0;
          for (let j = 0; j < n; j++) {
            const d = x[o + j]! - shift;
            const e = Math.exp(d);
            s += e;
            if (e > 0) w += e * (Math.abs(d) * U + expErr(d));
          }
          lse[i] = Math.log(s) + shift;
          const ls = Math.log(s);
          lseTol[i] = (s > 0 ? w / s + depth * U + logErr(s) : 0) + 0.5 * ulp(ls) + 0.5 * ulp(lse[i]!);
          let a = 0;
          let abs = 0;
          for (let j = 0; j < n; j++) {
            a += x[o + j]!;
            abs += Math.abs(x[o + j]!);
          }
          sum[i] = a;
          // recursive summation: |error| ≤ depth·u·Σ|x| (first order)
          sumTol[i] = depth * U * abs;
          // mean = (f32 sum) / n (ops/reduce.ts): a sum that overflows f32 gives an infinite mean
          mean[i] = Number.isFinite(Math.fround(a)) ? a / n : Math.fround(a);
          // the sum's bound divided by n, and the division (2.5 ULP = 5u)
          meanTol[i] = (depth * U * abs) / n + 5 * U * Math.abs(mean[i]!);
        }
        for (const device of devices()) {
          const label = `${device} ${c.name} [${rows}, ${n}]`;
          const xt = dev(c.data, [rows, n], device);
          const ys = [T.logSumExp(xt, 1), T.sum(xt, 1), T.mean(xt, 1)];
          const [lv, sv, mv] = await Promise.all(ys.map((y) => y.data()));
          compare(lv!, lse, lseTol, `logSumExp ${label}`, stats(`logSumExp ${device}`));
          compare(sv!, sum, sumTol, `sum ${label}`, stats(`sum ${device}`));
          compare(mv!, mean, meanTol, `mean ${label}`, stats(`mean ${device}`));
          T.dispose([xt, ...ys]);
        }
      }
      // Dyadic values whose every partial sum is an f32: any summation order must give the exact sum, so a
      // dropped, doubled or misplaced element of the long row shows as an error here (bound 0).
      for (const scale of [2 ** -13, 1, 2 ** 13]) {
        const d = Float32Array.from({ length: LONG }, (_, j) => scale * ((((j * 2654435761) >>> 0) % 17) - 8));
        d[LONG - 1] = scale * 100;
        let exact = 0;
        for (const v of d) exact += v;
        for (const device of devices()) {
          const xt = dev(d, [1, LONG], device);
          const s = T.sum(xt, 1);
          const m = T.mean(xt, 1);
          expect((await s.data())[0], `${device} exact long sum ×${scale}`).toBe(exact);
          const mv = (await m.data())[0]!;
          // exact sum, then one division (2.5 ULP)
          expect(Math.abs(mv - exact / LONG), `${device} exact long mean ×${scale}`).toBeLessThanOrEqual(2.5 * ulp(exact / LONG));
          T.dispose([xt, s, m]);
        }
      }
    });

    it('rmsNorm, layerNorm, groupNorm', async () => {
      const r = rng(1803);
      const eps = 1e-5;
      for (const scale of [...SCALES, 'constant' as const, 'long' as const]) {
        // [rows, n]; groupNorm views the same data as [2, 4, n/4·...] with 2 groups
        const n = scale === 'long' ? LONG : 48;
        const rows = scale === 'long' ? 1 : 4;
        const x = new Float32Array(rows * n);
        // random rows sit on an offset of twice their spread (the mean's rounding then matters); constant rows
        // (exact ties) are 3·2^row, whose mean is exact, so layer / group norm must give exactly the bias
        const spread = scale === 'long' ? 100 : scale === 'constant' ? 0 : scale;
        for (let j = 0; j < x.length; j++) x[j] = scale === 'constant' ? 3 * 2 ** ((j / n) | 0) : spread * (2 + (2 * r() - 1));
        const w = Float32Array.from({ length: n }, () => 0.5 + r());
        const b = Float32Array.from({ length: n }, () => r() - 0.5);
        // row-block statistics for a block of `len` elements starting at o
        const blockRef = (o: number, len: number, kind: 'rms' | 'layer', param: (j: number) => [number, number], out: Float64Array, tol: Float64Array) => {
          let s = 0;
          let ss = 0;
          let abs = 0;
          for (let j = 0; j < len; j++) {
            s += x[o + j]!;
            abs += Math.abs(x[o + j]!);
          }
          const mean = kind === 'rms' ? 0 : s / len;
          for (let j = 0; j < len; j++) ss += (x[o + j]! - mean) ** 2;
          const inv = 1 / Math.sqrt(ss / len + eps);
          const L = rowDepth(len);
          // inv: Σ of squares (L roundings + the squares, halved by the root) + /n, +eps (u each) + sqrt (9u) + 1/· (5u)
          const invErr = ((L + 1) / 2 + 16) * U;
          // the mean: (L + 1)·u·Σ|x|/n (layer / group only)
          const meanErr = kind === 'rms' ? 0 : ((L + 1) * U * abs) / len;
          for (let j = 0; j < len; j++) {
            const [wj, bj] = param(j);
            const c = x[o + j]! - mean;
            const y = c * inv * wj + bj;
            out[o + j] = y;
            // (x - mean): the mean's error and one rounding; then ·inv, ·w, +b roundings
            tol[o + j] = Math.abs(inv * wj) * (meanErr + U * Math.abs(c)) + Math.abs(c * inv * wj) * (invErr + 2 * U) + U * Math.abs(y);
          }
        };
        const label = `×${scale} [${rows}, ${n}]`;
        const rmsRef = new Float64Array(x.length);
        const rmsTol = new Float64Array(x.length);
        const lnRef = new Float64Array(x.length);
        const lnTol = new Float64Array(x.length);
        for (let i = 0; i < rows; i++) {
          blockRef(i * n, n, 'rms', (j) => [w[j]!, 0], rmsRef, rmsTol);
          blockRef(i * n, n, 'layer', (j) => [w[j]!, b[j]!], lnRef, lnTol);
        }
        // groupNorm over [rows, 4, n/4] with 2 groups: blocks of n/2, per-channel affine parameters
        const C = 4;
        const S = n / C;
        const gw = w.subarray(0, C);
        const gb = b.subarray(0, C);
        const gnRef = new Float64Array(x.length);
        const gnTol = new Float64Array(x.length);
        for (let blk = 0; blk < rows * 2; blk++) {
          const g = blk % 2;
          blockRef(blk * (n / 2), n / 2, 'layer', (j) => [gw[g * 2 + Math.floor(j / S)]!, gb[g * 2 + Math.floor(j / S)]!], gnRef, gnTol);
        }
        for (const device of devices()) {
          const xt = dev(x, [rows, n], device);
          const wt = dev(w, [n], device);
          const bt = dev(b, [n], device);
          const xg = T.reshape(xt, [rows, C, S]);
          const gwt = dev(Float32Array.from(gw), [C], device);
          const gbt = dev(Float32Array.from(gb), [C], device);
          const ys = [T.rmsNorm(xt, wt, eps), T.layerNorm(xt, wt, bt, eps), T.groupNorm(xg, 2, gwt, gbt, eps)];
          const [rv, lv, gv] = await Promise.all(ys.map((y) => y.data()));
          compare(rv!, rmsRef, rmsTol, `rmsNorm ${device} ${label}`, stats(`rmsNorm ${device}`));
          compare(lv!, lnRef, lnTol, `layerNorm ${device} ${label}`, stats(`layerNorm ${device}`));
          compare(gv!, gnRef, gnTol, `groupNorm ${device} ${label}`, stats(`groupNorm ${device}`));
          T.dispose([xt, wt, bt, xg, gwt, gbt, ...ys]);
        }
      }
    });

    it('attention forward and backward (scores 1e-4 … 1e4, ties, pad masks, −∞ bias, all-masked rows)', async () => {
      const r = rng(1804);
      const [B, H, Tq, Tk, D, Dv] = [2, 1, 5, 7, 8, 4];
      const scale = 1 / Math.sqrt(D);
      for (const mag of [...SCALES, 'ties' as const]) {
        // q·k·scale ≈ mag: q and k of size √mag
        const a = mag === 'ties' ? 1 : Math.sqrt(mag);
        const rnd = (len: number) => Float32Array.from({ length: len }, () => a * (2 * r() - 1));
        const q = rnd(B * H * Tq * D);
        const k = rnd(B * H * Tk * D);
        if (mag === 'ties') {
          // every key of batch 0 equal: all scores of a row tie exactly
          k.fill(0.25, 0, H * Tk * D);
          q.forEach((_, i, arr) => (arr[i] = Math.fround(arr[i]! * 4) / 4));
        }
        const v = Float32Array.from({ length: B * H * Tk * Dv }, () => 2 * r() - 1);
        // pad mask: batch 1 has its query/key 3 padded (and its keys 4..6), batch 0 none
        const maskv = Uint8Array.from({ length: B * Tk }, (_, i) => (i >= Tk && [3, 4, 5, 6].includes(i - Tk) ? 0 : 1));
        const maskq = Uint8Array.from({ length: B * Tq }, (_, i) => (i === Tq + 3 ? 0 : 1));
        // the mask is [B, T] for both queries and keys: use T = Tk = Tq' with Tq ≤ Tk
        const mask = Uint8Array.from({ length: B * Tk }, (_, i) => maskv[i]! & (i % Tk < Tq ? maskq[Math.floor(i / Tk) * Tq + (i % Tk)]! : 1));
        // bias [B, H, Tq, Tk]: −∞ on some pairs, and query row 1 of batch 0 entirely −∞
        const biasRaw = Float32Array.from({ length: B * H * Tq * Tk }, () => (r() < 0.25 ? -Infinity : mag === 'ties' ? 0 : 0.5 * (2 * r() - 1)));
        biasRaw.fill(-Infinity, Tk, 2 * Tk);
        const bias = seen(biasRaw);
        const go = Float32Array.from({ length: B * H * Tq * Dv }, () => 2 * r() - 1);

        // float64 reference of scores (the pad-mask term rounded to f32, as the spec's arithmetic does)
        const kept = (b: number, i: number, j: number) => mask[b * Tk + i]! !== 0 && mask[b * Tk + j]! !== 0;
        const out = new Float64Array(B * H * Tq * Dv);
        const outTol = new Float64Array(out.length);
        const P: Float64Array[] = [];
        const Perr: Float64Array[] = [];
        for (let bh = 0; bh < B * H; bh++) {
          const b = Math.floor(bh / H);
          for (let i = 0; i < Tq; i++) {
            const s = new Float64Array(Tk);
            const sErr = new Float64Array(Tk);
            for (let j = 0; j < Tk; j++) {
              let dot = 0;
              let dabs = 0;
              for (let d = 0; d < D; d++) {
                dot += q[(bh * Tq + i) * D + d]! * k[(bh * Tk + j) * D + d]!;
                dabs += Math.abs(q[(bh * Tq + i) * D + d]! * k[(bh * Tk + j) * D + d]!);
              }
              let sc = scale * dot + bias[(bh * Tq + i) * Tk + j]!;
              // (scale·q)·k: D + 1 roundings of the dot, one for the bias add; a −∞ bias or a sentinel one (−F32_MAX,
              // ≥ 2^103 times the dot, so the dot is absorbed exactly) leaves no error
              sErr[j] = Math.abs(bias[(bh * Tq + i) * Tk + j]!) >= 2 ** 127 ? 0 : (D + 2) * U * scale * dabs + U * Math.abs(sc);
              if (!kept(b, i, j)) {
                sc = Math.fround(sc + MASKED);
                sErr[j] = 0; // −F32_MAX whatever the rounding of the score (|score| < 2^103)
              }
              s[j] = sc;
            }
            let mx = -F32_MAX;
            for (let j = 0; j < Tk; j++) mx = Math.max(mx, s[j]!);
            let l = 0;
            const p = new Float64Array(Tk);
            const pe = new Float64Array(Tk);
            for (let j = 0; j < Tk; j++) {
              p[j] = expShifted(s[j]!, mx);
              l += p[j]!;
            }
            let eBar = 0;
            for (let j = 0; j < Tk; j++) {
              if (l > 0) p[j] = p[j]! / l;
              // the score's error, the shift's rounding and exp's error
              pe[j] = sErr[j]! + termErr(s[j]!, mx);
              eBar += p[j]! * pe[j]!;
            }
            // normalisation: Σ p·ε, the running sum (Tk roundings) and ≤ Tk rescales of ≤ 8u each, 1/l (5u)
            const norm = eBar + (9 * Tk + 5) * U;
            for (let j = 0; j < Tk; j++) pe[j] = pe[j]! + norm;
            P.push(p);
            Perr.push(pe);
            for (let d = 0; d < Dv; d++) {
              let o = 0;
              let t = 0;
              for (let j = 0; j < Tk; j++) {
                o += p[j]! * v[(bh * Tk + j) * Dv + d]!;
                t += p[j]! * Math.abs(v[(bh * Tk + j) * Dv + d]!) * (pe[j]! + (Tk + 1) * U);
              }
              out[(bh * Tq + i) * Dv + d] = o;
              outTol[(bh * Tq + i) * Dv + d] = t + U * Math.abs(o);
            }
          }
        }
        const out32 = Float32Array.from(out);
        // backward reference: ds = p·(go·v − go·out), dq = scale·Σ ds·k, dk = scale·Σ ds·q, dv = Σ p·go
        const dq = new Float64Array(q.length);
        const dqTol = new Float64Array(q.length);
        const dk = new Float64Array(k.length);
        const dkTol = new Float64Array(k.length);
        const dvr = new Float64Array(v.length);
        const dvTol = new Float64Array(v.length);
        const dsr = new Float64Array(B * H * Tq * Tk);
        const dsTol = new Float64Array(dsr.length);
        for (let bh = 0; bh < B * H; bh++) {
          const b = Math.floor(bh / H);
          for (let i = 0; i < Tq; i++) {
            const p = P[bh * Tq + i]!;
            const pe = Perr[bh * Tq + i]!;
            let delta = 0;
            let deltaAbs = 0;
            for (let d = 0; d < Dv; d++) {
              delta += go[(bh * Tq + i) * Dv + d]! * out32[(bh * Tq + i) * Dv + d]!;
              deltaAbs += Math.abs(go[(bh * Tq + i) * Dv + d]! * out32[(bh * Tq + i) * Dv + d]!);
            }
            for (let j = 0; j < Tk; j++) {
              let dp = 0;
              let dpAbs = 0;
              for (let d = 0; d < Dv; d++) {
                dp += go[(bh * Tq + i) * Dv + d]! * v[(bh * Tk + j) * Dv + d]!;
                dpAbs += Math.abs(go[(bh * Tq + i) * Dv + d]! * v[(bh * Tk + j) * Dv + d]!);
              }
              const live = kept(b, i, j); // ds of a pad-masked pair is 0
              const ds = live ? p[j]! * (dp - delta) : 0;
              // p's error times (dp − Δ), the two dot products (Dv + 1 roundings each), the product and difference
              const dsE = live ? p[j]! * pe[j]! * Math.abs(dp - delta) + p[j]! * (Dv + 2) * U * (dpAbs + deltaAbs) + U * Math.abs(ds) : 0;
              dsr[(bh * Tq + i) * Tk + j] = ds;
              dsTol[(bh * Tq + i) * Tk + j] = dsE;
              for (let d = 0; d < D; d++) {
                const kv = k[(bh * Tk + j) * D + d]!;
                const qv = q[(bh * Tq + i) * D + d]!;
                dq[(bh * Tq + i) * D + d] += scale * ds * kv;
                // each term: ds's error, then the product and Tq/Tk-long accumulation (fma: 1 rounding each)
                dqTol[(bh * Tq + i) * D + d] += scale * Math.abs(kv) * (dsE + (Tk + 3) * U * Math.abs(ds));
                dk[(bh * Tk + j) * D + d] += scale * ds * qv;
                dkTol[(bh * Tk + j) * D + d] += scale * Math.abs(qv) * (dsE + (Tq + 3) * U * Math.abs(ds));
              }
              for (let d = 0; d < Dv; d++) {
                const g = go[(bh * Tq + i) * Dv + d]!;
                dvr[(bh * Tk + j) * Dv + d] += p[j]! * g;
                dvTol[(bh * Tk + j) * Dv + d] += Math.abs(g) * p[j]! * (pe[j]! + (Tq + 2) * U);
              }
            }
          }
        }
        // a flushed p (or p·(dp − Δ)) reaches a gradient through ≤ max(Tq, Tk) terms times |dp − Δ|, |go| and
        // scale·|q|, scale·|k|: bound those factors by the inputs' maxima
        const maxAbs = (x: ArrayLike<number>) => Array.from(x).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        const ftzGrad =
          FTZ * Math.max(Tq, Tk) * (1 + 2 * Dv * maxAbs(go) * maxAbs(v)) * Math.max(1, scale * Math.max(maxAbs(q), maxAbs(k)), maxAbs(go));
        for (const device of devices()) {
          const label = `${device} scores ×${mag}`;
          const qt = dev(q, [B, H, Tq, D], device);
          const kt = dev(k, [B, H, Tk, D], device);
          const vt = dev(v, [B, H, Tk, Dv], device);
          // a [B, T] pad mask needs Tq = Tk: pad q with rows that are never compared (queries ≥ Tq are sliced away)
          const mt = T.tensor(mask, [B, Tk], 'bool', { device });
          const bt = dev(biasRaw, [B, H, Tq, Tk], device);
          const qPad = T.pad(qt, [[0, 0], [0, 0], [0, Tk - Tq], [0, 0]]);
          const bPad = T.pad(bt, [[0, 0], [0, 0], [0, Tk - Tq], [0, 0]]);
          const o = T.attention(qPad, kt, vt, { keyPadMask: mt, bias: bPad, scale });
          const oq = T.slice(o, [0, 0, 0, 0], [B, H, Tq, Dv]);
          compare(await oq.data(), out, outTol, `attention ${label}`, stats(`attention ${device}`));
          const outPad = T.pad(dev(out32, [B, H, Tq, Dv], device), [[0, 0], [0, 0], [0, Tk - Tq], [0, 0]]);
          const goPad = T.pad(dev(go, [B, H, Tq, Dv], device), [[0, 0], [0, 0], [0, Tk - Tq], [0, 0]]);
          const grads = T.attentionBackward({ q: qPad, k: kt, v: vt, mask: mt, bias: bPad, out: outPad, gradOut: goPad, scale });
          const dqv = T.slice(grads.dq, [0, 0, 0, 0], [B, H, Tq, D]);
          const dsv = T.slice(grads.dscores!, [0, 0, 0, 0], [B, H, Tq, Tk]);
          compare(await dqv.data(), dq, dqTol, `attention dq ${label}`, stats(`attention dq ${device}`), ftzGrad);
          compare(await grads.dk.data(), dk, dkTol, `attention dk ${label}`, stats(`attention dk ${device}`), ftzGrad);
          compare(await grads.dv.data(), dvr, dvTol, `attention dv ${label}`, stats(`attention dv ${device}`), ftzGrad);
          compare(await dsv.data(), dsr, dsTol, `attention dscores ${label}`, stats(`attention dscores ${device}`), ftzGrad);
          T.dispose([qt, kt, vt, mt, bt, qPad, bPad, o, oq, outPad, goPad, grads, dqv, dsv] as never);
        }
      }
    });

    it('crossEntropy of [A, A, 0, 0] at target 0 is ln 2 (A = 1000, 3000.5), the same number as -logSoftmax', async () => {
      for (const A of [1000, 3000.5]) {
        for (const device of devices()) {
          const x = dev(Float32Array.from([A, A, 0, 0, 0, 0, A, A]), [2, 4], device);
          const t = T.tensor([0, 3], [2], 'i32', { device });
          const l = T.crossEntropy(x, t);
          const ls = T.logSoftmax(x);
          const [lv, lsv] = [await l.data(), await ls.data()];
          // log(2) within WGSL log's absolute 2⁻²¹ on [0.5, 2]; s = 1 + 1 + 2·exp(-A) = 2 exactly in f32
          for (const v of lv) expect(Math.abs(v - Math.LN2), `${device} A ${A}: ${v}`).toBeLessThanOrEqual(2 ** -21);
          expect(lv[0], `${device} A ${A}: rows agree`).toBe(lv[1]);
          expect(lv[0]).toBe(-lsv[0]!);
          expect(lv[1]).toBe(-lsv[7]!);
          T.dispose([x, t, l, ls]);
        }
      }
    });

    it('reports the worst errors in ULPs', () => {
      for (const [k, s] of Object.entries(worst)) console.log(`${finite ? '[finite] ' : ''}${k}: worst ${s.worst.toFixed(2)} ULP (results ≥ 2⁻¹⁰⁰) at ${s.where}; at most ${((s.used ?? 0) * 100).toFixed(1)}% of a bound`);
    });
  });
}
