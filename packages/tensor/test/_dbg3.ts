import { createWebGPUBackend } from '../src/webgpu/backend.js';
const b = await createWebGPUBackend();
const which = process.argv[2];
let y;
if (which === 'fill') [y] = b.kernels.fill([], { value: 2 }, [{ shape: [3], dtype: 'f32' }]);
else { const s = b.upload(Float32Array.from([1, 2, 3]), 'f32'); [y] = b.kernels.unary([{ storage: s, shape: [3], dtype: 'f32', size: 3 }], { op: 'neg' } as any, [{ shape: [3], dtype: 'f32' }]); }
await b.sync();
console.log('synced');
