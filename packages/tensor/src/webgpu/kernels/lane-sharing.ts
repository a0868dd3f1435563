/**
 * Lane sharing (Runtime.laneSharing): where every lane of a subgroup reads the same elements, one lane reads each
 * and `subgroupBroadcast` hands it to the others. On lavapipe a subgroup of 8 invocations is one SIMD program and a
 * read is a gather of one element per lane, so eight lanes reading one row cost eight gathers; shared, they cost one.
 * Only emitted where every subgroup is 8 lanes, so lane l of a block is always there to read row l.
 */

/** The WGSL lines a shader that shares lanes starts with. */
export const LANE_SHARING_ENABLE = 'enable subgroups;\ndiagnostic(off, subgroup_uniformity);\n';

/** The builtin parameter of `main` that `tileRowLoop` reads (`lane_`). */
export const LANE_PARAM = '@builtin(subgroup_invocation_id) lane_: u32';

export interface TileRowLoop {
  /** Emit the shared form (Runtime.laneSharing); the plain loop otherwise. */
  readonly share: boolean;
  /** WGSL name of the loop index the body uses (u32, 0 … count−1). */
  readonly index: string;
  /** WGSL u32 expression of the row count; the same for every lane (a uniform bound). */
  readonly count: string;
  /** Values every lane reads per row: `let name = read(row);` where row is a WGSL u32 expression. */
  readonly reads: readonly { readonly name: string; readonly read: (row: string) => string }[];
  /** WGSL statements of one row (may use the index and the reads). */
  readonly body: string;
}

/**
 * A loop over rows (keys of a tile, queries of a tile) whose reads are the same for every lane. Shared: blocks of 8
 * rows, lane l reading row block + l (the last row where the block runs past the end), every lane taking row
 * block + i's values from lane i; the loop bounds are the same for all lanes, so every shuffle is reached by the
 * whole subgroup.
 */
export function tileRowLoop(o: TileRowLoop): string {
  if (!o.share) {
    return `    for (var ${o.index} = 0u; ${o.index} < ${o.count}; ${o.index} = ${o.index} + 1u) {
${o.reads.map((r) => `      let ${r.name} = ${r.read(o.index)};`).join('\n')}
${o.body}
    }`;
  }
  // A loop over the block's lanes with subgroupShuffle (a uniform lane index), not 8 unrolled subgroupBroadcasts
  // of constant lanes: as fast or faster on lavapipe (attention forward 4.2 vs 5.1 CPU-ms at B16 H4 T64 D32), and
  // the shader keeps its size (the attention kernels already take seconds to compile there).
  return `    for (var block_ = 0u; block_ < ${o.count}; block_ = block_ + 8u) {
      let mine_ = min(block_ + lane_, ${o.count} - 1u);
${o.reads.map((r) => `      let ${r.name}Mine_ = ${r.read('mine_')};`).join('\n')}
      for (var from_ = 0u; from_ < min(8u, ${o.count} - block_); from_ = from_ + 1u) {
      let ${o.index} = block_ + from_;
${o.reads.map((r) => `      let ${r.name} = subgroupShuffle(${r.name}Mine_, from_);`).join('\n')}
${o.body}
      }
    }`;
}
