import type { ApiConfig } from '../config/types.js';

const NAME_VERSION = /^(.*?)[-_.]?v(\d+)$/i;
const PATH_VERSION = /\/v(\d+)(?=\/|$)/i;

/**
 * APIs that a newer version of the same API replaces: `orders-v1` beside `orders-v2`, or base
 * paths `/v1/orders` beside `/v2/orders`. Traffic still reaching them is zombie traffic.
 */
export function olderApiVersions(config: { readonly apis: readonly Pick<ApiConfig, 'name' | 'basePath'>[] }): Set<string> {
  const groups = new Map<string, { name: string; version: number }[]>();
  for (const api of config.apis) {
    const v = versionOf(api);
    if (v === undefined) continue;
    const list = groups.get(v.stem) ?? [];
    list.push({ name: api.name, version: v.version });
    groups.set(v.stem, list);
  }
  const older = new Set<string>();
  for (const list of groups.values()) {
    const newest = Math.max(...list.map((x) => x.version));
    for (const x of list) if (x.version < newest) older.add(x.name);
  }
  return older;
}

function versionOf(api: Pick<ApiConfig, 'name' | 'basePath'>): { stem: string; version: number } | undefined {
  const byName = NAME_VERSION.exec(api.name);
  if (byName !== null) return { stem: `name:${(byName[1] as string).toLowerCase()}`, version: Number(byName[2]) };
  if (api.basePath !== undefined) {
    const byPath = PATH_VERSION.exec(api.basePath);
    if (byPath !== null) return { stem: `path:${api.basePath.replace(PATH_VERSION, '/v*').toLowerCase()}`, version: Number(byPath[1]) };
  }
  return undefined;
}
