/**
 * Loading over HTTP and from bytes (what a browser does): the same model, tokenizer and image tokenizer as
 * loading the directory from disk, and errors that name the URL. `fetch` is a stand-in that serves the
 * repository's models/ folder, so no network is involved.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, memory } from '@mmada/tensor';
import { flattenParameters, flattenVqParameters } from '@mmada/mmada';
import {
  fetchBytes,
  fetchImageTokenizer,
  fetchModel,
  fetchText,
  fetchTextTokenizer,
  loadImageTokenizer,
  loadImageTokenizerFromBytes,
  loadModel,
  loadModelFromBytes,
  loadTextTokenizer,
  disposeModel,
  disposeImageTokenizer,
} from '@mmada/mmada';

const MODELS = fileURLToPath(new URL('../../../models/', import.meta.url));
const TINY = join(MODELS, 'mmada-tiny');
const BASE = 'http://models.test/';

/** Serves models/ under BASE; `status` overrides the answer for URLs that end with a key. */
function serveModels(status: Record<string, number> = {}): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = String(input);
    const forced = Object.entries(status).find(([end]) => url.endsWith(end));
    if (forced) return new Response('nope', { status: forced[1], statusText: forced[1] === 500 ? 'Internal Server Error' : '' });
    if (!url.startsWith(BASE)) return new Response('', { status: 404 });
    try {
      return new Response(await readFile(join(MODELS, url.slice(BASE.length))));
    } catch {
      return new Response('', { status: 404, statusText: 'Not Found' });
    }
  }) as typeof fetch;
}

const right = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

async function sameTensors(a: Record<string, { data(): Promise<ArrayLike<number>> }>, b: typeof a): Promise<void> {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const name of Object.keys(a)) expect(Array.from(await a[name]!.data()), name).toEqual(Array.from(await b[name]!.data()));
}

beforeAll(async () => {
  await init({ device: 'cpu' });
});

describe('fetchModel / loadModelFromBytes', () => {
  it('fetches the same model loadModel reads from disk', async () => {
    const before = memory().tensors;
    const fetched = right(await fetchModel(`${BASE}mmada-tiny/`, { device: 'cpu', fetch: serveModels() })());
    const read = right(await loadModel(TINY, { device: 'cpu' })());
    expect(fetched.config).toEqual(read.config);
    expect(fetched.path).toBe(`${BASE}mmada-tiny`);
    expect(fetched.storedDtypes).toEqual(read.storedDtypes);
    await sameTensors(flattenParameters(fetched.params), flattenParameters(read.params));
    disposeModel(fetched);
    disposeModel(read);
    expect(memory().tensors).toBe(before);
  });

  it('a failed download is an unreadable CheckpointError naming the URL and the status', async () => {
    const r = await fetchModel(`${BASE}mmada-tiny`, { device: 'cpu', fetch: serveModels({ 'model.safetensors': 500 }) })();
    expect(E.isLeft(r) && r.left.kind).toBe('unreadable');
    expect(E.isLeft(r) && r.left.message).toContain(`${BASE}mmada-tiny/model.safetensors: cannot fetch (HTTP 500 Internal Server Error)`);
    const missing = await fetchModel(`${BASE}no-such-model`, { device: 'cpu', fetch: serveModels() })();
    expect(E.isLeft(missing) && missing.left.message).toContain(`${BASE}no-such-model/config.json: cannot fetch (HTTP 404 Not Found)`);
  });

  it('names the first missing file in order, whichever answer arrives first', async () => {
    // config.json's 404 arrives after model.safetensors' 404: the error still names config.json
    const lateConfig = (async (input: string | URL | Request) => {
      if (String(input).endsWith('config.json')) await new Promise((r) => setTimeout(r, 30));
      return new Response(null, { status: 404, statusText: 'Not Found' });
    }) as typeof fetch;
    for (let i = 0; i < 3; i++) {
      const r = await fetchModel(`${BASE}late`, { device: 'cpu', fetch: lateConfig })();
      expect(E.isLeft(r) && r.left.message).toContain(`${BASE}late/config.json: cannot fetch (HTTP 404 Not Found)`);
    }
  });

  it('loadModelFromBytes checks the config and the weights, naming the files under the given name', async () => {
    const weights = new Uint8Array(await readFile(join(TINY, 'model.safetensors')));
    const config = await readFile(join(TINY, 'config.json'), 'utf8');
    const badConfig = await loadModelFromBytes({ config: '{"d_model": ', weights }, 'upload')();
    expect(E.isLeft(badConfig) && badConfig.left.kind).toBe('config');
    expect(E.isLeft(badConfig) && badConfig.left.file).toBe('upload/config.json');
    const truncated = await loadModelFromBytes({ config, weights: weights.subarray(0, weights.length - 100) }, 'upload', { device: 'cpu' })();
    expect(E.isLeft(truncated) && truncated.left.kind).toBe('unreadable');
    expect(E.isLeft(truncated) && truncated.left.file).toBe('upload/model.safetensors');
    const deeper = await loadModelFromBytes({ config: config.replace('"n_layers": 4', '"n_layers": 5'), weights }, 'upload', { device: 'cpu' })();
    expect(E.isLeft(deeper) && deeper.left.kind).toBe('missing-tensor');
    expect(E.isLeft(deeper) && deeper.left.tensor).toMatch(/blocks\.4\./);
  });
});

describe('fetchTextTokenizer', () => {
  it('encodes and decodes as the tokenizer read from disk', async () => {
    const fetched = right(await fetchTextTokenizer(`${BASE}mmada-tiny`, {}, { fetch: serveModels() })());
    const read = right(await loadTextTokenizer(TINY)());
    const text = 'How many red circles are there?';
    expect(fetched.encode(text)).toEqual(read.encode(text));
    expect(fetched.specialTokens).toEqual(read.specialTokens);
    expect(fetched.decode(read.encode(text))).toBe(read.decode(read.encode(text)));
  });

  it('tokenizer_config.json is optional; tokenizer.json is not', async () => {
    const noConfig = await fetchTextTokenizer(`${BASE}mmada-tiny`, {}, { fetch: serveModels({ 'tokenizer_config.json': 404 }) })();
    expect(E.isRight(noConfig)).toBe(true);
    const none = await fetchTextTokenizer(`${BASE}mmada-tiny`, {}, { fetch: serveModels({ '/tokenizer.json': 404 }) })();
    expect(E.isLeft(none) && none.left.message).toContain(`${BASE}mmada-tiny/tokenizer.json: cannot fetch (HTTP 404`);
  });
});

describe('fetchImageTokenizer / loadImageTokenizerFromBytes', () => {
  it('fetches the same image tokenizer loadImageTokenizer reads', async () => {
    const fetched = right(await fetchImageTokenizer(`${BASE}mmada-tiny/vq`, { device: 'cpu', fetch: serveModels() })());
    const read = right(await loadImageTokenizer(join(TINY, 'vq'), { device: 'cpu' })());
    expect(fetched.config).toEqual(read.config);
    await sameTensors(flattenVqParameters(fetched.params), flattenVqParameters(read.params));
    disposeImageTokenizer(fetched);
    disposeImageTokenizer(read);
  });

  it('without config.json the released architecture is assumed, which the tiny weights do not fit', async () => {
    const r = await fetchImageTokenizer(`${BASE}mmada-tiny/vq`, { device: 'cpu', fetch: serveModels({ 'vq/config.json': 404 }) })();
    expect(E.isLeft(r) && r.left.kind).toBe('shape-mismatch');
    const weights = new Uint8Array(await readFile(join(TINY, 'vq', 'pytorch_model.safetensors')));
    const bad = await loadImageTokenizerFromBytes({ config: '{"ch": "sixteen"}', weights }, 'upload/vq')();
    expect(E.isLeft(bad) && bad.left.kind).toBe('config');
    expect(E.isLeft(bad) && bad.left.file).toBe('upload/vq/config.json');
  });
});

describe('fetchBytes / fetchText', () => {
  it('return the body, undefined for an optional 404, and reject naming the URL otherwise', async () => {
    const fetch = serveModels({ 'broken.json': 500 });
    expect(await fetchText(`${BASE}mmada-tiny/tokenizer_config.json`, { fetch })).toBe(await readFile(join(TINY, 'tokenizer_config.json'), 'utf8'));
    expect((await fetchBytes(`${BASE}mmada-tiny/config.json`, { fetch }))!.byteLength).toBe((await readFile(join(TINY, 'config.json'))).byteLength);
    expect(await fetchBytes(`${BASE}mmada-tiny/absent.json`, { fetch }, true)).toBeUndefined();
    await expect(fetchText(`${BASE}mmada-tiny/absent.json`, { fetch })).rejects.toThrow(`${BASE}mmada-tiny/absent.json: cannot fetch (HTTP 404 Not Found)`);
    await expect(fetchText(`${BASE}broken.json`, { fetch }, true)).rejects.toThrow(`${BASE}broken.json: cannot fetch (HTTP 500 Internal Server Error)`);
  });
});
