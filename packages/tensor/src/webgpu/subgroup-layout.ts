/**
 * Whether a device's subgroups are the 8-lane blocks of consecutive invocations that lane sharing assumes: the row
 * kernels' reductions combine lane l of a subgroup with invocation 8·k + l of their 64-invocation workgroup, and the
 * GEMM's 8 × 8 workgroups need a subgroup to be one row of 8 invocations (the lanes holding the same rows of C).
 * WebGPU does not promise how invocations map to subgroups, so the backend asks the device once, in both workgroup
 * shapes: every invocation writes its subgroup lane and size, and the layout holds when invocation t (the local
 * invocation index) is lane t % 8 of an 8-lane subgroup in each.
 */
const PROBE_WGSL = `enable subgroups;
@group(0) @binding(0) var<storage, read_write> out: array<u32, 256>;
@compute @workgroup_size(64)
fn flat(@builtin(local_invocation_index) t: u32, @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) size: u32) {
  out[2u * t] = lane;
  out[2u * t + 1u] = size;
}
@compute @workgroup_size(8, 8, 1)
fn square(@builtin(local_invocation_index) t: u32, @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) size: u32) {
  out[128u + 2u * t] = lane;
  out[128u + 2u * t + 1u] = size;
}`;

const STORAGE = 0x0080;
const COPY_SRC = 0x0004;
const COPY_DST = 0x0008;
const MAP_READ = 0x0001;

/** The lanes and sizes the probe read back (both workgroup shapes): invocation t is lane t % 8 of a subgroup of 8. */
export function isEightLaneBlocks(words: Uint32Array): boolean {
  if (words.length !== 256) return false;
  for (let t = 0; t < 128; t++) if (words[2 * t] !== t % 8 || words[2 * t + 1] !== 8) return false;
  return true;
}

/** Runs the probe on `device` (which must have the 'subgroups' feature); false on any error. */
export async function probeEightLaneBlocks(device: GPUDevice): Promise<boolean> {
  try {
    const module = device.createShaderModule({ code: PROBE_WGSL });
    const out = device.createBuffer({ size: 1024, usage: STORAGE | COPY_SRC });
    const read = device.createBuffer({ size: 1024, usage: MAP_READ | COPY_DST });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (const entryPoint of ['flat', 'square']) {
      const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint } });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }] }));
      pass.dispatchWorkgroups(1);
    }
    pass.end();
    encoder.copyBufferToBuffer(out, 0, read, 0, 1024);
    device.queue.submit([encoder.finish()]);
    await read.mapAsync(MAP_READ);
    const words = new Uint32Array(read.getMappedRange().slice(0));
    read.unmap();
    out.destroy();
    read.destroy();
    return isEightLaneBlocks(words);
  } catch {
    return false;
  }
}
