import type { ApiConfig } from '../config/types.js';
import type { LoadedSpec } from '../openapi/types.js';

/**
 * Which traffic reaches an older version of an API: the one rule shared by the inventory report
 * (zombie entries) and the zombieTraffic detector, so an operator never sees one call an
 * endpoint a zombie and the other call it shadow.
 *
 * Two ways an API says it has been replaced: by name (`orders-v1` beside `orders-v2`, or base
 * paths `/v1/orders` beside `/v2/orders` on two APIs), and by path (a `/vN` segment of a full
 * path, `/api/v1/users/42`, older than the newest `/api/vM` any spec declares under the same
 * stem `/api`).
 */
const NAME_VERSION = /^(.*?)[-_.]?v(\d+)$/i;
const PATH_VERSION = /\/v(\d+)(?=\/|$)/i;

type ApiNaming = Pick<ApiConfig, 'name' | 'basePath'>;
export interface VersionedApi { readonly config: ApiNaming; readonly spec: Pick<LoadedSpec, 'basePaths' | 'operations'> }

/** APIs that a newer version of the same API (by name or by base path) replaces. */
export function olderApiVersions(config: { readonly apis: readonly ApiNaming[] }): Set<string> {
  const groups = new Map<string, { name: string; version: number }[]>();
  for (const api of config.apis) {
    const v = apiVersionOf(api);
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

function apiVersionOf(api: ApiNaming): { stem: string; version: number } | undefined {
  const byName = NAME_VERSION.exec(api.name);
  if (byName !== null) return { stem: `name:${(byName[1] as string).toLowerCase()}`, version: Number(byName[2]) };
  if (api.basePath !== undefined) {
    const byPath = PATH_VERSION.exec(api.basePath);
    if (byPath !== null) return { stem: `path:${api.basePath.replace(PATH_VERSION, '/v*').toLowerCase()}`, version: Number(byPath[1]) };
  }
  return undefined;
}

/** The first `/vN` segment of a full path, and everything before it (lower-cased) as its stem. */
function pathVersionOf(path: string): { stem: string; version: number } | undefined {
  const m = PATH_VERSION.exec(path);
  return m === null ? undefined : { stem: path.slice(0, m.index).toLowerCase(), version: Number(m[1]) };
}

export function basePathsOf(api: VersionedApi): readonly string[] {
  return api.config.basePath !== undefined ? [api.config.basePath] : api.spec.basePaths.length > 0 ? api.spec.basePaths : [''];
}

/** Both rules, compiled once from the configured APIs and their specs. */
export class VersionRule {
  /** APIs replaced by name or base path. */
  readonly olderApis: ReadonlySet<string>;
  /** Per stem (`/api`), the newest version any spec declares under it (`/api/v2/...` -> 2). */
  private readonly newest = new Map<string, number>();
  /** `<api> <operation id>` of every declared operation that an older version serves. */
  private readonly olderOperations = new Set<string>();

  constructor(apis: readonly VersionedApi[]) {
    this.olderApis = olderApiVersions({ apis: apis.map((a) => a.config) });
    for (const api of apis) {
      for (const base of basePathsOf(api)) {
        for (const op of api.spec.operations) {
          const v = pathVersionOf(base + op.path);
          if (v !== undefined && v.version > (this.newest.get(v.stem) ?? -1)) this.newest.set(v.stem, v.version);
        }
      }
    }
    for (const api of apis) {
      const older = this.olderApis.has(api.config.name);
      for (const op of api.spec.operations) {
        if (older || basePathsOf(api).some((base) => this.isOlderPath(base + op.path))) this.olderOperations.add(`${api.config.name} ${op.id}`);
      }
    }
  }

  /** True for `/api/v1/...` when some spec declares `/api/v2/...` (docs/inventory.md, zombie). */
  isOlderPath(path: string): boolean {
    const v = pathVersionOf(path);
    return v !== undefined && v.version < (this.newest.get(v.stem) ?? -1);
  }

  /** True when the declared operation belongs to an older version (of its API or of its path). */
  isOlderOperation(api: string, operationId: string): boolean {
    return this.olderOperations.has(`${api} ${operationId}`);
  }

  /** Keyed by `<api> <operation id>`, as the gateway's observations carry it. */
  isOlderOperationKey(operationKey: string): boolean {
    return this.olderOperations.has(operationKey);
  }
}

/** No API configured: nothing is older. */
export const NO_VERSIONS = new VersionRule([]);
