/**
 * Checks of a command's output paths, made before any work starts: a file output that exists is replaced only
 * with --overwrite, and a path of the wrong kind (a directory where a file goes, or the reverse) is a usage
 * error naming the flag, never a raw EISDIR after minutes of work.
 */
import { statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from './usage-error.js';

const statOrUndefined = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

/** An output file (`flag` names it in messages): its folder must exist, it must not be a directory, and an existing file needs `overwrite`. */
export function checkOutputFile(path: string, options: { readonly flag: string; readonly overwrite: boolean }): void {
  const { flag, overwrite } = options;
  const s = statOrUndefined(path);
  if (s?.isDirectory()) throw new UsageError(`${flag} ${path} is a directory; give a file name`);
  if (s && !s.isFile()) throw new UsageError(`${flag} ${path} exists and is not a regular file`);
  if (s && !overwrite) throw new UsageError(`${flag} ${path} exists: pass --overwrite to replace it`);
  const folder = dirname(path);
  const d = statOrUndefined(folder);
  if (!d) throw new UsageError(`${flag} ${path}: folder ${folder} does not exist`);
  if (!d.isDirectory()) throw new UsageError(`${flag} ${path}: ${folder} is a file, not a folder`);
}

/** An output directory: created later if missing, but an existing non-directory (or one under a file) is an error. */
export function checkOutputDir(path: string, options: { readonly flag: string }): void {
  const s = statOrUndefined(path);
  if (s && !s.isDirectory()) throw new UsageError(`${options.flag} ${path} is a file; give a directory`);
  if (!s) {
    // The nearest existing ancestor must be a directory, or mkdir fails later.
    let up = dirname(path);
    for (let prev = path; up !== prev; prev = up, up = dirname(up)) {
      const a = statOrUndefined(up);
      if (a) {
        if (!a.isDirectory()) throw new UsageError(`${options.flag} ${path}: ${up} is a file, not a folder`);
        break;
      }
    }
  }
}

/** A model directory output: an existing `model.safetensors` (or its index) is replaced only with --overwrite. */
export function checkModelOutput(dir: string, options: { readonly flag: string; readonly overwrite: boolean; readonly files: readonly string[] }): void {
  checkOutputDir(dir, options);
  if (options.overwrite) return;
  const present = options.files.find((f) => statOrUndefined(`${dir}/${f}`) !== undefined);
  if (present !== undefined) throw new UsageError(`${options.flag} ${dir} already holds a model (${present}): pass --overwrite to replace it, or another ${options.flag}`);
}
