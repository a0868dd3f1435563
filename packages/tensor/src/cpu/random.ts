import type { Kernel } from '../backend.js';
import { randomBitsHost } from '../random/threefry.js';
import { CpuStorage } from './storage.js';

export const randomBits: Kernel<'randomBits'> = (_i, { key }, [out]) => {
  const n = out!.shape.reduce((p, d) => p * d, 1);
  return [new CpuStorage(randomBitsHost(key, n))];
};
