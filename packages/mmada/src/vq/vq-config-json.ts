/**
 * A tokenizer directory's `config.json`. The released one is `{"_class_name": "MAGVITv2", "_diffusers_version":
 * "0.30.1"}` with no architecture fields, so every field is optional and defaults to the released value;
 * tokenizers of another size write the fields that differ (snake_case, as upstream's constructor arguments).
 */
import * as E from 'fp-ts/lib/Either.js';
import { refuseDuplicateKeys } from '../config/parse-config.js';
import { ConfigError } from '../config/config-error.js';
import { MAGVITV2_CONFIG, vqConfigProblems, type VqConfig } from './vq-config.js';

/** config.json keys and the VqConfig field each sets. */
const KEYS = {
  ch: 'ch',
  encoder_ch_mult: 'encoderChMult',
  encoder_num_res_blocks: 'encoderNumResBlocks',
  decoder_ch_mult: 'decoderChMult',
  decoder_num_res_blocks: 'decoderNumResBlocks',
  z_channels: 'bits',
  norm_groups: 'normGroups',
  norm_eps: 'normEps',
} as const satisfies Record<string, keyof VqConfig>;

type JsonKey = keyof typeof KEYS;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function checkValue(file: string, key: JsonKey, v: unknown): E.Either<ConfigError, unknown> {
  const posInt = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x > 0;
  if (key.endsWith('_mult') || key.endsWith('_blocks')) {
    return Array.isArray(v) && v.length > 0 && v.every(posInt) ? E.right(v) : E.left(new ConfigError(file, key, 'expected a non-empty list of positive integers', v));
  }
  if (key === 'norm_eps') return typeof v === 'number' && v >= 0 ? E.right(v) : E.left(new ConfigError(file, key, 'expected a number ≥ 0', v));
  return posInt(v) ? E.right(v) : E.left(new ConfigError(file, key, 'expected a positive integer', v));
}

/** Parses config.json text (`file` names it in errors). Keys starting with "_" are metadata and ignored. */
export function parseVqConfigText(text: string, file: string): E.Either<ConfigError, VqConfig> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return E.left(new ConfigError(file, undefined, `not valid JSON (${(e as Error).message})`));
  }
  if (!isObject(json)) return E.left(new ConfigError(file, undefined, 'expected a JSON object', json));
  const duplicate = refuseDuplicateKeys(text, file);
  if (E.isLeft(duplicate)) return duplicate;
  const className = json._class_name;
  if (className !== undefined && className !== 'MAGVITv2') {
    return E.left(new ConfigError(file, '_class_name', 'expected "MAGVITv2" (the only image tokenizer implemented)', className));
  }
  const config: Record<string, unknown> = { ...MAGVITV2_CONFIG };
  for (const [key, value] of Object.entries(json)) {
    if (key.startsWith('_')) continue;
    if (!(key in KEYS)) {
      return E.left(new ConfigError(file, key, `unknown key; a MAGVITv2 config may set ${Object.keys(KEYS).join(', ')}`, value));
    }
    const checked = checkValue(file, key as JsonKey, value);
    if (E.isLeft(checked)) return checked;
    config[KEYS[key as JsonKey]] = checked.right;
  }
  const problems = vqConfigProblems(config as unknown as VqConfig);
  if (problems.length > 0) return E.left(new ConfigError(file, undefined, `inconsistent tokenizer config: ${problems.join('; ')}`));
  return E.right(config as unknown as VqConfig);
}

/** The config.json object for a config: the class name plus every field that differs from the released one. */
export function vqConfigToJson(config: VqConfig): Record<string, unknown> {
  const json: Record<string, unknown> = { _class_name: 'MAGVITv2' };
  for (const [key, field] of Object.entries(KEYS) as Array<[JsonKey, keyof VqConfig]>) {
    const mine = config[field];
    const released = MAGVITV2_CONFIG[field];
    if (JSON.stringify(mine) !== JSON.stringify(released)) json[key] = Array.isArray(mine) ? [...mine] : mine;
  }
  return json;
}
