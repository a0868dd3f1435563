// safetensors I/O with no file-system access (bytes in, bytes out); re-exported from src/browser.ts.
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
export { bytesSource, openSafetensorsFrom, type ByteSource, type SafetensorsFile } from './safetensors-source.js';
export { checkpointFromBytes, singleFileCheckpoint, type Checkpoint, type CheckpointTensorInfo } from './checkpoint-view.js';
export {
  WRITABLE_AS,
  decodeTensorBytes,
  defaultSafetensorsDType,
  encodeTensorValues,
  tensorDTypeFor,
  type Bf16Mode,
  type DecodeOptions,
} from './dtype-convert.js';
export { tensorFromBytes, type LoadOptions } from './tensor-from-bytes.js';
export { findDuplicateJsonKey, type DuplicateJsonKey } from './json-duplicate-key.js';
