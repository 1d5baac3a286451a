import { isObject } from './pointer.js';

/** Server URLs with `{variables}` replaced by their defaults. */
export function v3Servers(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  const out: string[] = [];
  for (const server of raw) {
    if (!isObject(server) || typeof server.url !== 'string') continue;
    const vars = isObject(server.variables) ? server.variables : {};
    out.push(server.url.replace(/\{([^}]*)\}/g, (_m, name: string) => {
      const v = vars[name];
      return isObject(v) && v.default !== undefined ? String(v.default) : '';
    }));
  }
  return out;
}

/** The path part of a server URL (`https://x/v1/` -> `/v1`), `''` for the root. Relative URLs allowed. */
export function basePathOf(url: string): string {
  let p: string;
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(url);
  if (m !== null) p = m[1] ?? '';
  else if (url.startsWith('//')) p = url.replace(/^\/\/[^/?#]*/, '');
  else p = url;
  p = p.replace(/[?#].*$/, '').replace(/^\.(?=\/|$)/, '');
  if (p !== '' && !p.startsWith('/')) p = '/' + p;
  while (p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

export function basePathsOf(servers: readonly string[]): string[] {
  const set = new Set(servers.map(basePathOf));
  return set.size === 0 ? [''] : [...set];
}
