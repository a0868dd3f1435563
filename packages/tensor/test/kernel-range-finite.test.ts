/**
 * The range sweep (kernel-range-sweep.ts) on the finite-sentinel build: every infinity the WebGPU kernels see is
 * the largest finite f32, as a driver that assumes no infinities (WGSL allows it) would need.
 */
import { rangeSweep } from './kernel-range-sweep.js';

rangeSweep(true);
