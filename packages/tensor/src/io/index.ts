// Public surface of safetensors I/O; re-exported from the package's src/index.ts. The part with no
// file-system access is browser.ts (also the browser entry's); this file adds reading and writing paths.
export * from './browser.js';
export { fileSource, openSafetensors, writeSafetensorsFile } from './safetensors-file.js';
export {
  INDEX_FILE_NAME,
  SINGLE_FILE_NAME,
  openCheckpoint,
  parseCheckpointIndex,
  planShards,
  writeCheckpoint,
  type WriteCheckpointOptions,
  type WrittenCheckpoint,
} from './checkpoint.js';
export {
  loadSafetensors,
  loadSafetensorsOrThrow,
  saveCheckpoint,
  saveSafetensors,
  streamTensors,
  tensorEntries,
  type SaveCheckpointOptions,
  type SaveOptions,
} from './tensor-io.js';
export { commitTemporary, syncDirectory, temporarySibling, writeFileAtomic, writeTemporarySibling, type AtomicContent } from './write-file-atomic.js';
export { FileKindError, openRegularFile, readRegularFile, readRegularTextFile } from './regular-file.js';
