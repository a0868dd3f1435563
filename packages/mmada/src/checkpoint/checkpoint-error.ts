/**
 * Why a checkpoint could not be loaded or saved, naming the file and tensor where there is one.
 * `kind` lets code react (e.g. a CLI prints a hint for 'too-large').
 */
export type CheckpointErrorKind =
  /** config.json missing or invalid. */
  | 'config'
  /** A file could not be read or parsed (bad header, truncated data, missing shard, I/O error). */
  | 'unreadable'
  /** A tensor the config requires is absent. */
  | 'missing-tensor'
  /** The checkpoint holds a tensor this architecture does not have. */
  | 'unexpected-tensor'
  /** A tensor's shape disagrees with the config. */
  | 'shape-mismatch'
  /** A tensor is stored in a dtype weights cannot have (only F32, BF16, F16). */
  | 'dtype'
  /** The weights would not fit the device's limits. */
  | 'too-large'
  /** Writing failed. */
  | 'unwritable';

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';

  constructor(
    readonly kind: CheckpointErrorKind,
    readonly file: string,
    readonly detail: string,
    readonly tensor?: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${tensor !== undefined ? `tensor ${JSON.stringify(tensor)}: ` : ''}${detail}`, options);
  }
}
