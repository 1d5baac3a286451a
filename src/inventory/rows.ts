import type { Records, StoredRecord } from '../store/index.js';
import { mergeRows, rowKey, type InventoryRow } from './aggregate.js';

/** The records stream holding aggregated inventory rows (one per key per flush per gateway). */
export const INVENTORY_STREAM = 'inventory';

const PAGE = 10_000;

/** Every record of a stream, oldest first, read in pages. */
export async function readAll(records: Pick<Records, 'query'>, stream: string, since?: number): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  const seen = new Set<string>();
  let from = since;
  for (;;) {
    const page = await records.query(stream, { ...(from === undefined ? {} : { since: from }), limit: PAGE, order: 'asc' });
    let fresh = 0;
    for (const r of page) if (!seen.has(r.id)) { seen.add(r.id); out.push(r); fresh++; }
    if (page.length < PAGE || fresh === 0) return out;
    from = (page[page.length - 1] as StoredRecord).ts;
  }
}

/**
 * The inventory rows in the store, merged per API, method and path. `since` is the time the
 * traffic happened (a row's lastSeen), not when the row was stored: rows ingested today from last
 * week's logs belong to last week. A record is never stored before its traffic happened, so the
 * store's own time filter is a safe first cut.
 */
export async function readRows(records: Pick<Records, 'query'>, since?: number): Promise<InventoryRow[]> {
  const merged = new Map<string, InventoryRow>();
  for (const r of await readAll(records, INVENTORY_STREAM, since)) {
    const row = r.data as unknown as InventoryRow;
    if (typeof row.api !== 'string' || typeof row.path !== 'string') continue;
    if (since !== undefined && row.lastSeen < since) continue;
    const key = rowKey(row.api, row.method, row.path);
    const found = merged.get(key);
    merged.set(key, found === undefined ? row : mergeRows(found, row));
  }
  return [...merged.values()];
}
