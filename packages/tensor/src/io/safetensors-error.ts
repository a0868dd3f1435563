import { FileKindError } from './file-kind-error.js';

/**
 * What went wrong reading or writing a safetensors file, in words a user can act on.
 *
 * `message` is the whole sentence (`model.safetensors: tensor "w": data_offsets [0, 96] hold 96 bytes but
 * shape [4, 8] × F32 needs 128`); `file` and `tensor` say where, `detail` is the message without them.
 * It extends Error so the throwing conveniences (`loadSafetensorsOrThrow`, `streamTensors`) can throw it.
 */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';

  constructor(
    readonly file: string,
    readonly detail: string,
    readonly tensor?: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${tensor !== undefined ? `tensor ${JSON.stringify(tensor)}: ` : ''}${detail}`, options);
  }
}

export function safetensorsError(file: string, detail: string, tensor?: string, cause?: unknown): SafetensorsError {
  return new SafetensorsError(file, detail, tensor, cause === undefined ? undefined : { cause });
}

/** Turns anything thrown (an fs error, a SafetensorsError) into a SafetensorsError about `file`. */
export function toSafetensorsError(file: string, e: unknown, what?: string, tensor?: string): SafetensorsError {
  if (e instanceof SafetensorsError) return e;
  if (e instanceof FileKindError) return safetensorsError(e.file, e.detail, tensor, e);
  const msg = e instanceof Error ? e.message : String(e);
  return safetensorsError(file, what ? `${what}: ${msg}` : msg, tensor, e);
}
