/**
 * Where the checkpoints of a training run live, so that some complete checkpoint is visible at every moment,
 * whatever instant a crash hits. A checkpoint root `ROOT` (e.g. `run/checkpoint`) holds
 *
 *     ROOT/step-40/{state.safetensors, trainer_state.json}
 *     ROOT/step-50/{...}
 *     ROOT/latest.json          {"format": "mmada-checkpoint-pointer/1", "dir": "step-50", "step": 50}
 *
 * A save writes `ROOT/.step-N.tmp-<pid>-<random>/` in full (files and directory flushed), renames it to a free
 * `step-N` name, and only then replaces `latest.json` atomically: the pointer names the previous checkpoint
 * until the new one is whole. Older step directories beyond the last `keep` are removed afterwards.
 * Readers follow the pointer. Without a pointer they fall back to the newest complete `step-*` directory (a
 * first save that crashed before its pointer), then to the older single-directory layout (files directly in
 * ROOT), then to the two hidden siblings the older layout's save left when a crash hit between its renames.
 */
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncDirectory, writeFileAtomic } from '@mmada/tensor';

export const POINTER_FILE = 'latest.json';
export const POINTER_FORMAT = 'mmada-checkpoint-pointer/1';
/** The files every checkpoint directory holds. */
export const TENSORS_FILE = 'state.safetensors';
export const METADATA_FILE = 'trainer_state.json';
/** Checkpoints kept by default: the newest and the one before it. */
export const DEFAULT_KEEP = 2;

/** A checkpoint found under a root: the directory holding its files, and how it was found. */
export interface FoundCheckpoint {
  readonly dir: string;
  /** `pointer`: named by latest.json; `unpointed`: newest step directory without a pointer; `legacy`: files directly in the root. */
  readonly layout: 'pointer' | 'unpointed' | 'legacy';
}

const STEP_DIR = /^step-(\d+)(?:\.(\d+))?$/;
const TEMP_DIR = /^\.step-\d+\.tmp-(\d+)-[0-9a-z]+$/;

const exists = (p: string) => stat(p).then(() => true, () => false);
const isComplete = async (dir: string) => (await exists(join(dir, TENSORS_FILE))) && (await exists(join(dir, METADATA_FILE)));

/** Whether process `pid` is alive on this machine (EPERM: alive but not ours). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `step-N` / `step-N.k` directories of a root, oldest first (by step, then by k). */
async function stepDirs(root: string): Promise<{ name: string; step: number; seq: number }[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  return names
    .flatMap((name) => {
      const m = STEP_DIR.exec(name);
      return m ? [{ name, step: Number(m[1]), seq: m[2] === undefined ? 1 : Number(m[2]) }] : [];
    })
    .sort((a, b) => a.step - b.step || a.seq - b.seq);
}

interface Pointer {
  readonly dir: string;
  readonly step: number;
}

/** Reads ROOT/latest.json; undefined when there is none, an Error naming the file when it is malformed. */
async function readPointer(root: string): Promise<Pointer | undefined | Error> {
  const path = join(root, POINTER_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return new Error(`${path}: cannot read (${(e as Error).message})`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return new Error(`${path}: not JSON (${(e as Error).message})`);
  }
  const o = v as Record<string, unknown>;
  if (typeof v !== 'object' || v === null || o.format !== POINTER_FORMAT) return new Error(`${path}: field 'format' must be "${POINTER_FORMAT}"`);
  if (typeof o.dir !== 'string' || !STEP_DIR.test(o.dir)) return new Error(`${path}: field 'dir' must name a step-N directory, got ${JSON.stringify(o.dir)}`);
  if (!Number.isSafeInteger(o.step) || (o.step as number) < 0) return new Error(`${path}: field 'step' must be a non-negative integer, got ${JSON.stringify(o.step)}`);
  return { dir: o.dir, step: o.step as number };
}

/**
 * The checkpoint a resume should read from `root`, or undefined when the root holds none. Broken states are
 * an Error saying what is wrong and what is still there, never a silent fresh start.
 */
export async function findCheckpoint(root: string, onNotice: (message: string) => void = () => {}): Promise<FoundCheckpoint | undefined> {
  const pointer = await readPointer(root);
  const steps = await stepDirs(root);
  if (pointer instanceof Error) throw new Error(`${pointer.message}; the step directories there are: ${steps.map((s) => s.name).join(', ') || 'none'}`);
  if (pointer !== undefined) {
    const dir = join(root, pointer.dir);
    if (await isComplete(dir)) return { dir, layout: 'pointer' };
    const others = steps.filter((s) => s.name !== pointer.dir).map((s) => s.name);
    throw new Error(
      `${join(root, POINTER_FILE)} names ${pointer.dir}, which does not hold both ${TENSORS_FILE} and ${METADATA_FILE}` +
        (others.length ? ` (other checkpoints there: ${others.join(', ')}; point ${POINTER_FILE} at one to resume from it)` : ''),
    );
  }
  for (const s of [...steps].reverse()) {
    const dir = join(root, s.name);
    if (await isComplete(dir)) {
      onNotice(`${root}: no ${POINTER_FILE}; resuming from ${s.name}, the newest complete checkpoint there`);
      return { dir, layout: 'unpointed' };
    }
  }
  if (await isComplete(root)) return { dir: root, layout: 'legacy' };
  if (!(await exists(root))) {
    const recovered = await recoverLegacySiblings(root, onNotice);
    if (recovered) return { dir: root, layout: 'legacy' };
  }
  return undefined;
}

/**
 * The older layout saved by renaming ROOT to `.ROOT.old-*` and then `.ROOT.tmp-*` to ROOT; a crash between
 * the two left only the hidden pair. Both were complete: the `.tmp-` one is the newer. It becomes ROOT again.
 */
async function recoverLegacySiblings(root: string, onNotice: (message: string) => void): Promise<boolean> {
  const parent = dirname(root);
  const base = basename(root);
  const names = await readdir(parent).catch(() => [] as string[]);
  const pick = async (tag: string) => {
    for (const n of names.filter((x) => x.startsWith(`.${base}.${tag}-`)).sort().reverse()) if (await isComplete(join(parent, n))) return n;
    return undefined;
  };
  const chosen = (await pick('tmp')) ?? (await pick('old'));
  if (chosen === undefined) return false;
  await rename(join(parent, chosen), root);
  await syncDirectory(parent);
  onNotice(`${root}: recovered the checkpoint an interrupted save left in ${join(parent, chosen)}`);
  for (const n of names) if (n !== chosen && (n.startsWith(`.${base}.tmp-`) || n.startsWith(`.${base}.old-`))) await rm(join(parent, n), { recursive: true, force: true });
  return true;
}

/**
 * Removes staging directories of saves whose process is gone (a crash mid-save): this layout's inside the
 * root, and the older layout's hidden siblings (`.ROOT.tmp-<pid>-…`, `.ROOT.old-<pid>-…`) once ROOT exists.
 */
export async function removeStaleTemporaries(root: string, onNotice: (message: string) => void = () => {}): Promise<void> {
  const stale = async (dir: string, pattern: RegExp) => {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const m = pattern.exec(name);
      if (m && !alive(Number(m[1]))) {
        await rm(join(dir, name), { recursive: true, force: true });
        onNotice(`removed ${join(dir, name)}, left by an interrupted save`);
      }
    }
  };
  await stale(root, TEMP_DIR);
  if (await exists(root)) {
    const base = basename(root).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await stale(dirname(root), new RegExp(`^\\.${base}\\.(?:tmp|old)-(\\d+)-`));
  }
}

/** A staging directory name for a save of `step` by this process. */
export const stagingName = (step: number): string => `.step-${step}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

/**
 * Publishes a fully written and flushed staging directory as the checkpoint of `step`: rename to a free
 * `step-N` name, flush the root, replace the pointer, then prune. Resolves to the published directory.
 */
export async function publishCheckpoint(root: string, staging: string, step: number, keep: number): Promise<string> {
  const before = await readPointer(root);
  const taken = new Set((await stepDirs(root)).map((s) => s.name));
  let name = `step-${step}`;
  for (let k = 2; taken.has(name); k++) name = `step-${step}.${k}`;
  await rename(staging, join(root, name));
  await syncDirectory(root);
  await writeFileAtomic(join(root, POINTER_FILE), `${JSON.stringify({ format: POINTER_FORMAT, dir: name, step })}\n`);
  await prune(root, name, keep, before instanceof Error ? undefined : before?.dir);
  return join(root, name);
}

/**
 * Keeps the current checkpoint and the `keep - 1` newest that were published before it; removes the rest,
 * step directories newer than the previous pointer that it never named (left by a crash before the pointer
 * moved, then passed by a resume from the previous one), and the older layout's files in the root.
 */
async function prune(root: string, current: string, keep: number, previous: string | undefined): Promise<void> {
  const all = (await stepDirs(root)).filter((s) => s.name !== current);
  const found = previous === undefined ? -1 : all.findIndex((s) => s.name === previous);
  const at = found < 0 ? all.length - 1 : found;
  const published = all.slice(0, at + 1);
  const drop = [...published.slice(0, Math.max(0, published.length - (keep - 1))), ...all.slice(at + 1)];
  for (const s of drop) await rm(join(root, s.name), { recursive: true, force: true });
  for (const f of [TENSORS_FILE, METADATA_FILE]) await rm(join(root, f), { force: true });
}
