import { createWebGPUBackend } from '../src/webgpu/backend.js';
const b = await createWebGPUBackend();
const s = b.upload(Float32Array.from([1, 2, 3]), 'f32');
const rt = b.runtime as any;
const [y] = b.kernels.unary([{ storage: s, shape: [3], dtype: 'f32', size: 3 }], { op: 'neg' } as any, [{ shape: [3], dtype: 'f32' }]);
console.log('dispatched');
if (process.argv[2] === 'a') { rt.flush(); console.log('flushed'); await new Promise((r) => setTimeout(r, 500)); console.log('waited'); }
await b.device.queue.onSubmittedWorkDone();
console.log('synced');
console.log(await b.read({ storage: y!, shape: [3], dtype: 'f32', size: 3 }));
