/**
 * The range sweep (kernel-range-sweep.ts) on the default build: ±∞ reach the kernels as they are.
 * MMADA_WGSL_FINITE_SENTINELS=1 turns this run into the finite-sentinel build as well.
 */
import { rangeSweep } from './kernel-range-sweep.js';
import { finiteSentinelsFromEnv } from '../src/webgpu/kernels/common.js';

rangeSweep(finiteSentinelsFromEnv());
