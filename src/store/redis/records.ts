import type { Redis } from 'ioredis';
import { checkQuery, checkRecord, checkRecordJson, checkTrim, matchesWhere, recordJson } from '../check.js';
import type { RecordFilter, RecordQuery, Records, StoredRecord } from '../ports.js';
import { wrap } from './connection.js';

/*
 * Records as Redis Streams rather than lists: the server assigns ids `<ms>-<seq>` that increase
 * in insertion order and carry the insertion time, so since/until become XRANGE bounds and
 * 'desc' is XREVRANGE, with no timestamp of ours to index. Field filters run here, page by page,
 * because Streams cannot index fields; the cluster layout keeps records in PostgreSQL anyway.
 */

type Entry = [id: string, fields: string[]];

const toRecord = ([id, fields]: Entry): StoredRecord => ({
  id,
  ts: Number.parseInt(id, 10),
  data: JSON.parse(fields[1] ?? '{}') as Record<string, unknown>,
});

/** XRANGE bounds for an insertion-time window; undefined when the window is empty. */
function bounds(f: RecordFilter | undefined): { start: string; end: string } | undefined {
  const since = f?.since === undefined ? undefined : Math.max(0, Math.ceil(f.since));
  const until = f?.until === undefined ? undefined : Math.ceil(f.until);
  if (until !== undefined && (until <= 0 || (since !== undefined && until <= since))) return undefined;
  return { start: since === undefined ? '-' : `${since}-0`, end: until === undefined ? '+' : `(${until}-0` };
}

export function redisRecords(redis: Redis, prefix: string): Records {
  const key = (stream: string): string => `${prefix}r:${stream}`;

  /** Walks the window in `order`, calling `take` per matching record until it returns false. */
  async function walk(stream: string, f: RecordQuery | undefined, page: number, take: (r: Entry) => boolean): Promise<void> {
    const b = bounds(f);
    if (b === undefined) return;
    let { start, end } = b;
    const desc = f?.order === 'desc';
    for (;;) {
      const rows = (desc
        ? await redis.xrevrange(key(stream), end, start, 'COUNT', page)
        : await redis.xrange(key(stream), start, end, 'COUNT', page)) as Entry[];
      for (const row of rows) {
        if (f?.where !== undefined && !matchesWhere(toRecord(row).data, f.where)) continue;
        if (!take(row)) return;
      }
      const last = rows[rows.length - 1];
      if (rows.length < page || last === undefined) return;
      if (desc) end = `(${last[0]}`;
      else start = `(${last[0]}`;
    }
  }

  /** MULTI/EXEC: one round trip, all or none. */
  const addAll = async (stream: string, json: readonly string[], op: string): Promise<string[]> => {
    if (json.length === 0) return [];
    try {
      const tx = redis.multi();
      for (const j of json) tx.xadd(key(stream), '*', 'd', j);
      const res = await tx.exec();
      if (res === null) throw new Error('transaction aborted');
      return res.map(([err, id]) => {
        if (err !== null) throw err;
        return id as string;
      });
    } catch (err) {
      return wrap(op, err);
    }
  };

  return {
    async append(stream, record) {
      const json = recordJson(stream, record);
      try {
        return (await redis.xadd(key(stream), '*', 'd', json)) as string;
      } catch (err) {
        return wrap('records.append', err);
      }
    },
    async appendMany(stream, records) {
      checkRecord(stream, {});
      return addAll(stream, records.map((r) => recordJson(stream, r)), 'records.appendMany');
    },
    async appendManyJson(stream, texts) {
      checkRecordJson(stream, texts);
      return addAll(stream, texts, 'records.appendManyJson');
    },
    async query(stream, q) {
      const limit = checkQuery(stream, q);
      if (limit === 0) return [];
      const out: StoredRecord[] = [];
      try {
        await walk(stream, q, q?.where === undefined ? limit : Math.max(limit, 500), (row) => {
          out.push(toRecord(row));
          return out.length < limit;
        });
      } catch (err) {
        return wrap('records.query', err);
      }
      return out;
    },
    async count(stream, f) {
      checkQuery(stream, f);
      let n = 0;
      try {
        if (f?.since === undefined && f?.until === undefined && f?.where === undefined) return await redis.xlen(key(stream));
        await walk(stream, f, 1000, () => {
          n++;
          return true;
        });
      } catch (err) {
        return wrap('records.count', err);
      }
      return n;
    },
    async trim(stream, rule) {
      checkTrim(stream, rule);
      let deleted = 0;
      try {
        // Stream ids are `<insertion ms>-<seq>`: MINID <before>-0 drops exactly the records inserted before it.
        if (rule.before !== undefined) deleted += (await redis.xtrim(key(stream), 'MINID', `${Math.max(0, Math.ceil(rule.before))}-0`)) as number;
        if (rule.keep !== undefined) deleted += (await redis.xtrim(key(stream), 'MAXLEN', rule.keep)) as number;
      } catch (err) {
        return wrap('records.trim', err);
      }
      return deleted;
    },
  };
}
