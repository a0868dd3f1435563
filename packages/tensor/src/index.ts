/**
 * @mmada/tensor — functional tensors on WebGPU with a cpu reference device.
 * This file is the public surface and nothing else: the browser-safe surface (browser.ts) plus file I/O.
 */
export * from './browser.js';
export * from './io/index.js';
