import { createWebGPUBackend } from '../src/webgpu/backend.js';
const b = await createWebGPUBackend();
const rt = b.runtime as any;
const orig = rt.getPipeline.bind(rt);
rt.getPipeline = (spec: any) => { spec.code().split('\n').forEach((l: string, i: number) => console.log(i + 1, l)); return orig(spec); };
const s = b.upload(Float32Array.from([1, 2, 3]), 'f32');
b.kernels.sort([{ storage: s, shape: [3], dtype: 'f32', size: 3 }], { descending: false }, [{ shape: [3], dtype: 'f32' }, { shape: [3], dtype: 'i32' }]);
await b.sync().catch(e => console.log(e.message));
