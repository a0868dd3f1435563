// A small static server for the playground: the page and its bundle from examples/playground/, the models
// from the repository's models/ (so the page fetches models/mmada-tiny from its own origin). Only GET/HEAD,
// only files under those two folders.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.safetensors': 'application/octet-stream',
  '.png': 'image/png',
  '.md': 'text/markdown; charset=utf-8',
};

/** Where the page and the models are served from. */
export interface Roots {
  readonly page: string;
  readonly models: string;
}

const DEFAULT_ROOTS: Roots = { page: here, models: join(repo, 'models') };

/** The file a URL path names, or undefined when it lies outside the served folders. */
export function resolveRequest(urlPath: string, roots: Roots = DEFAULT_ROOTS): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return undefined;
  }
  if (path === '/' || path === '/index.html') return join(roots.page, 'index.html');
  const [root, rest]: [string?, string?] = path.startsWith('/models/') ? [roots.models, path.slice('/models/'.length)] : path.startsWith('/dist/') ? [join(roots.page, 'dist'), path.slice('/dist/'.length)] : [];
  if (!root || rest === undefined || rest.includes('\0')) return undefined;
  const file = normalize(join(root, rest));
  return file.startsWith(root + sep) ? file : undefined;
}

export interface ServeOptions {
  /** 0: any free port (default 8080). */
  readonly port?: number;
  readonly host?: string;
  readonly roots?: Roots;
}

/** Starts serving on `port` at 127.0.0.1; resolves to the server and its URL. */
export function startServer({ port = 8080, host = '127.0.0.1', roots = DEFAULT_ROOTS }: ServeOptions = {}): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const file = resolveRequest(req.url ?? '/', roots);
    const st = file ? await stat(file).catch(() => undefined) : undefined;
    if (!file || !st?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${req.url}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': st.size, 'cache-control': 'no-cache' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve({ server, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}/` });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: --port must be an integer in 0…65535, got ${process.argv[i + 1] ?? process.env.PORT}`);
    process.exit(2);
  }
  const { url } = await startServer({ port });
  console.log(`playground: ${url} (WebGPU needs a browser with it enabled; localhost counts as a secure context)`);
}
