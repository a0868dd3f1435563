export type Relation = 'left of' | 'right of' | 'above' | 'below';
export const RELATIONS: readonly Relation[] = ['left of', 'right of', 'above', 'below'];

interface Bounds {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** GenEval's relative position of A to B from their boxes: centres compared, less 0.1× the summed sizes. */
export function relativePosition(a: Bounds, b: Bounds, threshold = 0.1): Set<Relation> {
  const centre = (o: Bounds) => [(o.x0 + o.x1) / 2, (o.y0 + o.y1) / 2];
  const [ax, ay] = centre(a);
  const [bx, by] = centre(b);
  const offset = [ax - bx, ay - by];
  const dims = [a.x1 - a.x0 + (b.x1 - b.x0), a.y1 - a.y0 + (b.y1 - b.y0)];
  const revised = offset.map((o, k) => Math.max(Math.abs(o) - threshold * dims[k], 0) * Math.sign(o));
  const relations = new Set<Relation>();
  if (revised.every((r) => Math.abs(r) < 1e-3)) return relations;
  const norm = Math.hypot(offset[0], offset[1]);
  const [dx, dy] = [revised[0] / norm, revised[1] / norm];
  if (dx < -0.5) relations.add('left of');
  if (dx > 0.5) relations.add('right of');
  if (dy < -0.5) relations.add('above');
  if (dy > 0.5) relations.add('below');
  return relations;
}
