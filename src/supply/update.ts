/**
 * `gatehouse deps --update-db SOURCE --db PATH`: refreshes the on-disk OSV database from a local
 * file or folder, a file:// URL, or an http(s) URL (e.g. the npm archive OSV publishes per
 * ecosystem, `…/npm/all.zip`). The new copy is loaded and checked before it replaces the old one,
 * in one rename: a failed or corrupt download never leaves `--db` unusable.
 */
import { cpSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetch } from 'undici';
import { SupplyError } from './errors.js';
import { loadOsvDatabase } from './osv.js';

export interface UpdateResult {
  readonly from: string;
  readonly to: string;
  readonly records: number;
  readonly bytes: number;
}

/** The largest archive accepted over the network (npm's all.zip is well under this). */
const MAX_DOWNLOAD = 2 * 1024 * 1024 * 1024;

export async function updateDatabase(source: string, dest: string): Promise<UpdateResult> {
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${Date.now()}.tmp${/\.zip$/i.test(source) || /^https?:/i.test(source) ? '.zip' : ''}`);
  try {
    let bytes: number;
    if (/^https?:\/\//i.test(source)) {
      bytes = await download(source, tmp);
    } else {
      const path = source.startsWith('file:') ? fileURLToPath(source) : source;
      let st;
      try {
        st = statSync(path);
      } catch {
        throw new SupplyError('GH_SUPPLY_UPDATE_FAILED', `${source}: not found`);
      }
      cpSync(path, tmp, { recursive: true });
      bytes = st.isDirectory() ? 0 : st.size;
    }
    const db = loadOsvDatabase(tmp);
    rmSync(dest, { recursive: true, force: true });
    renameSync(tmp, dest);
    return { from: source, to: dest, records: db.recordCount, bytes };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (err instanceof SupplyError) throw err;
    throw new SupplyError('GH_SUPPLY_UPDATE_FAILED', `cannot update ${dest} from ${source}: ${(err as Error).message}`, { cause: err });
  }
}

async function download(url: string, file: string): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10 * 60_000) });
  if (!res.ok || res.body === null) throw new SupplyError('GH_SUPPLY_UPDATE_FAILED', `${url}: HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_DOWNLOAD) throw new SupplyError('GH_SUPPLY_UPDATE_FAILED', `${url}: ${declared} bytes is over the ${MAX_DOWNLOAD}-byte limit`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += chunk.length;
    if (total > MAX_DOWNLOAD) throw new SupplyError('GH_SUPPLY_UPDATE_FAILED', `${url}: more than ${MAX_DOWNLOAD} bytes`);
    chunks.push(chunk);
  }
  writeFileSync(file, Buffer.concat(chunks));
  return total;
}
