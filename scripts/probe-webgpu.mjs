// Prints the WebGPU adapter Dawn finds and exits 0, or exits 1 when there is none.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
let webgpu;
try {
  webgpu = require('webgpu');
} catch (e) {
  console.error(`probe-webgpu: the 'webgpu' npm package is not installed (${e.message}); run npm ci first`);
  process.exit(1);
}
const gpu = webgpu.create([]);
const adapter = await gpu.requestAdapter();
if (!adapter) { console.error('probe-webgpu: no WebGPU adapter'); process.exit(1); }
const info = adapter.info ?? {};
console.error(`probe-webgpu: adapter ${info.vendor ?? '?'} / ${info.architecture ?? '?'} / ${info.device ?? '?'} / ${info.description ?? '?'}`);
process.exit(0);
