/** Package benchmarks beyond the peer table (sampler overhead, model forward, ...). */
export interface ExtraRow {
  name: string;
  summary: string;
  [k: string]: unknown;
}

export async function extraBenches(_quick: boolean): Promise<ExtraRow[]> {
  return [];
}
