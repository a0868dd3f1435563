// Public surface of safetensors I/O; re-exported from the package's src/index.ts.
export { SafetensorsError } from './safetensors-error.js';
export {
  MAX_HEADER_BYTES,
  SAFETENSORS_DTYPES,
  SAFETENSORS_DTYPE_SIZE,
  byteLengthOf,
  isSafetensorsDType,
  layoutSafetensors,
  parseHeaderJson,
  parseHeaderLength,
  parseSafetensors,
  serializeSafetensors,
  tensorBytes,
  type ParsedSafetensors,
  type SafetensorsDType,
  type SafetensorsEntry,
  type SafetensorsHeader,
  type SafetensorsLayout,
  type SafetensorsStreamEntry,
  type TensorInfo,
} from './safetensors-format.js';
export {
  bytesSource,
  fileSource,
  openSafetensors,
  openSafetensorsFrom,
  writeSafetensorsFile,
  type ByteSource,
  type SafetensorsFile,
} from './safetensors-file.js';
export {
  INDEX_FILE_NAME,
  SINGLE_FILE_NAME,
  openCheckpoint,
  parseCheckpointIndex,
  planShards,
  writeCheckpoint,
  type Checkpoint,
  type CheckpointTensorInfo,
  type WriteCheckpointOptions,
  type WrittenCheckpoint,
} from './checkpoint.js';
export {
  WRITABLE_AS,
  decodeTensorBytes,
  defaultSafetensorsDType,
  encodeTensorValues,
  tensorDTypeFor,
  type Bf16Mode,
  type DecodeOptions,
} from './dtype-convert.js';
export {
  loadSafetensors,
  loadSafetensorsOrThrow,
  saveCheckpoint,
  saveSafetensors,
  streamTensors,
  tensorEntries,
  tensorFromBytes,
  type LoadOptions,
  type SaveCheckpointOptions,
  type SaveOptions,
} from './tensor-io.js';
export { commitTemporary, syncDirectory, temporarySibling, writeFileAtomic, writeTemporarySibling, type AtomicContent } from './write-file-atomic.js';
export { createImage, getPixel, setPixel, type Rgb, type RgbImage } from './image/rgb-image.js';
export { crc32 } from './image/crc32.js';
export { encodePng } from './image/png-encode.js';
export { decodePng } from './image/png-decode.js';
export { readPng, writePng } from './image/png-file.js';
export { FileKindError, openRegularFile, readRegularFile, readRegularTextFile } from './regular-file.js';
export { findDuplicateJsonKey, type DuplicateJsonKey } from './json-duplicate-key.js';
