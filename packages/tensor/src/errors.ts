/** A programmer error in a tensor op: wrong shapes, dtypes, axes or devices. Names the op and what it got. */
export class TensorError extends Error {
  constructor(
    readonly op: string,
    message: string,
  ) {
    super(`${op}: ${message}`);
    this.name = 'TensorError';
  }
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
