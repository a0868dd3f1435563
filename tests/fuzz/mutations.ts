/**
 * Malformed inputs made from valid ones: byte-level damage (flips, overwrites, insertions, deletions,
 * truncation) and JSON-level damage (a value anywhere replaced by a hostile one, a key removed, a key given
 * twice, the text cut short). Starting from valid files keeps most inputs deep enough to reach the checks
 * past the first few bytes.
 */
import fc from 'fast-check';

type ByteEdit =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'set'; readonly at: number; readonly byte: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: 'delete'; readonly at: number; readonly count: number }
  | { readonly op: 'truncate'; readonly at: number };

const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.constantFrom(0, 0xff, 0x7f, 0x80, 0x22, 0x7b, 0x7d, 0x2c, 0x30, 0x39) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

function applyByteEdit(bytes: Uint8Array, e: ByteEdit): Uint8Array {
  if (bytes.byteLength === 0) return e.op === 'insert' ? e.bytes.slice() : bytes;
  const at = e.at % (bytes.byteLength + (e.op === 'insert' ? 1 : 0));
  switch (e.op) {
    case 'flip': {
      const out = bytes.slice();
      out[at]! ^= 1 << e.bit;
      return out;
    }
    case 'set': {
      const out = bytes.slice();
      out[at] = e.byte;
      return out;
    }
    case 'insert': {
      const out = new Uint8Array(bytes.byteLength + e.bytes.byteLength);
      out.set(bytes.subarray(0, at), 0);
      out.set(e.bytes, at);
      out.set(bytes.subarray(at), at + e.bytes.byteLength);
      return out;
    }
    case 'delete': {
      const count = Math.min(e.count, bytes.byteLength - at);
      const out = new Uint8Array(bytes.byteLength - count);
      out.set(bytes.subarray(0, at), 0);
      out.set(bytes.subarray(at + count), at);
      return out;
    }
    case 'truncate':
      return bytes.slice(0, at);
  }
}

/** 1–`maxEdits` random edits of one of `bases`. */
export function damagedBytes(bases: readonly Uint8Array[], maxEdits = 4): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.integer({ min: 0, max: bases.length - 1 }), fc.array(byteEdit, { minLength: 1, maxLength: maxEdits }))
    .map(([i, edits]) => edits.reduce(applyByteEdit, bases[i]!));
}

/** Numbers that have broken parsers before: huge, negative, fractional, beyond 2^53, non-finite after parsing. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-1, 0, 1, 0.5, -0.0, 1e9, 1e12, 1e18, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 60, 2 ** 64, 1e308, -1e308, Number.MAX_SAFE_INTEGER),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value a hostile file might hold where something else was expected. */
export const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  hostileNumber,
  fc.constantFrom(null, true, false, '', '3', '-1', '1e9', 'NaN', '__proto__', 'constructor'),
  fc.string({ maxLength: 12 }),
  fc.array(fc.oneof(hostileNumber, fc.string({ maxLength: 4 })), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(hostileNumber, fc.string({ maxLength: 4 })), { maxKeys: 3 }),
);

type Path = readonly (string | number)[];

/** Every path to a value inside `json` (objects and arrays included), the root excepted. */
function pathsOf(json: unknown, limit = 5000): Path[] {
  const out: Path[] = [];
  const walk = (v: unknown, path: Path) => {
    if (out.length >= limit) return;
    if (path.length > 0) out.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(json, []);
  return out;
}

function setAt(json: unknown, path: Path, value: unknown, remove: boolean): unknown {
  const root = structuredClone(json);
  let node = root as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove && !Array.isArray(node)) delete node[last];
  else node[last] = value;
  return root;
}

type JsonEdit = { readonly path: number; readonly value: unknown; readonly remove: boolean };

/**
 * Text of `base` with 1–`maxEdits` values replaced or removed, then (sometimes) a key given twice or the
 * text cut short.
 */
export function damagedJson(base: unknown, maxEdits = 3): fc.Arbitrary<string> {
  const paths = pathsOf(base);
  const edit: fc.Arbitrary<JsonEdit> = fc.record({ path: fc.nat({ max: paths.length - 1 }), value: hostileJsonValue, remove: fc.boolean() });
  return fc
    .tuple(fc.array(edit, { minLength: 1, maxLength: maxEdits }), fc.oneof(fc.constant('none' as const), fc.constant('duplicate' as const), fc.constant('cut' as const)), fc.nat())
    .map(([edits, text, at]) => {
      let json = base;
      for (const e of edits) {
        const path = paths[e.path]!;
        try {
          json = setAt(json, path, e.value, e.remove);
        } catch {
          // An earlier edit removed or replaced this path's parent: skip it.
        }
      }
      const s = JSON.stringify(json) ?? 'null';
      if (text === 'cut') return s.slice(0, at % (s.length + 1));
      if (text === 'duplicate') {
        // Repeat the first key of the outermost object: `{"a":1,...}` → `{"a":1,"a":1,...}`.
        const m = /^\{("(?:[^"\\]|\\.)*":(?:-?[\d.eE+-]+|"(?:[^"\\]|\\.)*"|true|false|null)),/.exec(s);
        return m ? `{${m[1]},${s.slice(1)}` : s;
      }
      return s;
    });
}
