import { GPUStorage, type Runtime } from '../runtime.js';
import { Meta, WG, main1d, metaDecl } from './common.js';

/** Line-for-line port of random/threefry.ts: Threefry-2x32, 20 rounds. */
const THREEFRY = /* wgsl */ `
fn rotl(x: u32, r: u32) -> u32 { return (x << r) | (x >> (32u - r)); }
fn threefry2x32(k0: u32, k1: u32, c0: u32, c1: u32) -> vec2<u32> {
  var ks = array<u32, 3>(k0, k1, 0x1bd11bdau ^ k0 ^ k1);
  var rotations = array<u32, 8>(13u, 15u, 26u, 6u, 17u, 29u, 16u, 24u);
  var x0 = c0 + ks[0];
  var x1 = c1 + ks[1];
  for (var block = 0u; block < 5u; block = block + 1u) {
    let rot = select(4u, 0u, block % 2u == 0u);
    for (var r = 0u; r < 4u; r = r + 1u) {
      x0 = x0 + x1;
      x1 = rotl(x1, rotations[rot + r]);
      x1 = x1 ^ x0;
    }
    let s = block + 1u;
    x0 = x0 + ks[s % 3u];
    x1 = x1 + ks[(s + 1u) % 3u] + s;
  }
  return vec2<u32>(x0, x1);
}
`;

/** bits[i] = word 0 of threefry2x32(key, (i, 0)). */
export function randomBits(rt: Runtime, key: readonly [number, number], size: number): GPUStorage {
  const y = rt.createStorage(size * 4);
  if (size === 0) return y;
  const meta = new Meta().u32(size, key[0], key[1]);
  rt.dispatch({
    key: 'randomBits',
    code: () => `${THREEFRY}
@group(0) @binding(0) var<storage, read_write> ys: array<u32>;
${metaDecl(1, meta.length)}
${main1d(`  if (i >= m(0u)) { return; }
  ys[i] = threefry2x32(m(1u), m(2u), i, 0u).x;`)}`,
    bindings: [{ storage: y, kind: 'write' }],
    meta: meta.array(),
    workgroups: rt.grid(Math.ceil(size / WG)),
  });
  return y;
}
