import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSOLE_BASE = '/admin/';

/**
 * Strict: the console's own scripts and styles only, no inline script, no eval, no framing, and
 * it talks to its own origin only. An injected `<script>` (a shadow path or an alert summary is
 * attacker-chosen text) would not run even if escaping ever failed.
 */
const CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2',
};

interface Asset { readonly body: Buffer; readonly type: string; readonly immutable: boolean }

/** The package's root folder, whether this runs from src/ (tests) or from dist/src/ (the package). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dir;
}

/** The folder `npm ci` builds the console into (`vite build`, see web/vite.config.ts). */
export function consoleDir(): string {
  return path.join(packageRoot(), 'dist', 'web');
}

/** The built console, read once into memory (a few hundred kilobytes), served with a strict CSP. */
export class ConsoleAssets {
  private constructor(private readonly files: ReadonlyMap<string, Asset>) {}

  static async load(dir = consoleDir()): Promise<ConsoleAssets> {
    const files = new Map<string, Asset>();
    const walk = async (sub: string): Promise<void> => {
      let entries;
      try { entries = await readdir(path.join(dir, sub), { withFileTypes: true }); } catch { return; }
      for (const e of entries) {
        const rel = sub === '' ? e.name : `${sub}/${e.name}`;
        if (e.isDirectory()) await walk(rel);
        else files.set(rel, { body: await readFile(path.join(dir, rel)), type: TYPES[path.extname(e.name)] ?? 'application/octet-stream', immutable: rel.startsWith('assets/') });
      }
    };
    await walk('');
    return new ConsoleAssets(files);
  }

  get built(): boolean {
    return this.files.has('index.html');
  }

  /** `/admin/…` paths; the pages are hash routes of index.html, so any other path is 404. */
  serve(req: IncomingMessage, res: ServerResponse, urlPath: string): void {
    const rel = urlPath === CONSOLE_BASE ? 'index.html' : urlPath.slice(CONSOLE_BASE.length);
    const asset = this.files.get(rel);
    const headers = {
      'content-security-policy': CONSOLE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
    };
    if (asset === undefined) {
      const text = rel === 'index.html' ? 'The console is not built: run npm run build (it runs on npm ci).\n' : 'Not found\n';
      res.writeHead(rel === 'index.html' ? 503 : 404, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    res.writeHead(200, {
      ...headers,
      'content-type': asset.type,
      'content-length': asset.body.length,
      // Built file names carry a content hash; index.html names them, so it is never cached.
      'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  }
}
