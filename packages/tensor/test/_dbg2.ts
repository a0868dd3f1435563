import { createWebGPUBackend } from '../src/webgpu/backend.js';
const b = await createWebGPUBackend();
for (const body of ['for (var p = t; p < 2u; p = p + 2u) { }', 'for (var q = t; q < 2u; q = q + 2u) { }', 'var p = 1u;']) {
  const m = b.device.createShaderModule({ code: `@compute @workgroup_size(1) fn main(@builtin(local_invocation_index) t: u32) { ${body} }` });
  const info = await m.getCompilationInfo();
  console.log(body, info.messages.map((x) => x.message));
}
