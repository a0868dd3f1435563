/**
 * `JSON.parse` keeps the last of two equal keys in an object without a word, so a file that says one thing
 * twice is read as whichever came last. Parsers of outside files call this on text that JSON.parse
 * accepted to refuse such files instead.
 */

/** Where a key appears twice: the path of the object holding it (`$`, `$.weight_map`, `$.model.vocab`) and the key. */
export interface DuplicateJsonKey {
  readonly path: string;
  readonly key: string;
}

const pathStep = (key: string | number): string =>
  typeof key === 'number' ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;

interface Frame {
  readonly path: string;
  /** The keys seen so far (an object) or undefined (an array). */
  readonly keys: Set<string> | undefined;
  /** Index of the next array element. */
  index: number;
  /** The last key read in this object (the name of the value that follows it). */
  lastKey: string;
}

/**
 * The first key that occurs twice in one object of `text`, or undefined. `text` must be valid JSON (call
 * JSON.parse first); keys are compared after unescaping, so `"a"` and `"\u0061"` are the same key. Runs in
 * one pass with an explicit stack, so deep nesting cannot overflow the call stack.
 */
export function findDuplicateJsonKey(text: string): DuplicateJsonKey | undefined {
  const stack: Frame[] = [];
  // True when the next string in the current object is a key (after `{` or `,`), false when it is a value.
  let expectKey = false;
  const childPath = (): string => {
    const top = stack[stack.length - 1];
    if (top === undefined) return '$';
    return top.path + (top.keys ? pathStep(top.lastKey) : pathStep(top.index));
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (; j < text.length; j++) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) {
          escaped = true;
          j++;
        } else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (expectKey && top?.keys) {
        const raw = text.slice(i + 1, j);
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : raw;
        if (top.keys.has(key)) return { path: top.path, key };
        top.keys.add(key);
        top.lastKey = key;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push({ path: childPath(), keys: c === 0x7b ? new Set() : undefined, index: 0, lastKey: '' });
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) expectKey = true;
      else if (top) top.index++;
    }
  }
  return undefined;
}
