import { BufferedRecords, type Records, type StoredRecord } from '../store/index.js';

/**
 * One authentication or authorization decision. Who (subject, credential id: never the token
 * or key), what (api, operation), which rule and why, when. `reason` is the internal reason,
 * richer than what the client was told; it never contains credential material.
 */
export interface DecisionRecord {
  readonly at: string;
  readonly requestId: string;
  readonly api: string;
  readonly operation: string;
  readonly method: string;
  readonly decision: 'allow' | 'deny';
  /** `monitor`: the policy would have refused but let the request through. */
  readonly mode: 'enforce' | 'monitor';
  readonly policy: string;
  readonly rule: string;
  readonly reason: string;
  readonly code?: string | undefined;
  readonly identity: string;
  readonly kind: string;
  readonly issuer?: string | undefined;
  readonly credential?: string | undefined;
  readonly ip: string;
}

export interface DecisionQuery {
  readonly identity?: string;
  readonly operation?: string;
  readonly decision?: 'allow' | 'deny';
  readonly api?: string;
  readonly since?: number;
  readonly until?: number;
  readonly limit?: number;
}

/** Pending decisions are serialised at most this often, and whenever this many are waiting. */
const SERIALISE_MS = 100;
const SERIALISE_AT = 500;

/**
 * Writes decisions off the request path through a bounded buffer (see BufferedRecords). A
 * request's decision arrives as parts (its time, its request id, and the rest of the record,
 * which recordDecision reuses across a caller's requests) and is serialised with the others of
 * the last moments in one batch. Measured with `npm run bench -- jwt`: a JSON text built per
 * request and held until the flush cost the gateway more CPU, mostly in the garbage collector,
 * than everything else the identity policies do.
 */
export class DecisionTrail {
  private readonly buffer: BufferedRecords;
  private times: number[] = [];
  private requestIds: string[] = [];
  private tails: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(records: Records, readonly stream: string, onError?: (err: unknown) => void) {
    this.buffer = new BufferedRecords(records, onError === undefined ? {} : { onError });
  }

  write(record: DecisionRecord): void {
    this.serialise();
    this.buffer.add(this.stream, record);
  }

  /**
   * One decision as `{"at":"<ISO time of atMs>","requestId":<requestId as JSON>` + `tail`, where
   * `tail` is the rest of the record's JSON text, closing brace included (see recordDecision).
   */
  writeParts(atMs: number, requestId: string, tail: string): void {
    this.times.push(atMs);
    this.requestIds.push(requestId);
    this.tails.push(tail);
    if (this.requestIds.length >= SERIALISE_AT) this.serialise();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.serialise(), SERIALISE_MS);
      this.timer.unref();
    }
  }

  flush(): Promise<void> {
    this.serialise();
    return this.buffer.flush();
  }

  close(): Promise<void> {
    this.serialise();
    return this.buffer.close();
  }

  private serialise(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const n = this.requestIds.length;
    if (n === 0) return;
    const { times, requestIds, tails } = this;
    this.times = [];
    this.requestIds = [];
    this.tails = [];
    for (let i = 0; i < n; i++) {
      this.buffer.addJson(this.stream, '{"at":"' + isoAt(times[i] as number) + '","requestId":' + JSON.stringify(requestIds[i]) + (tails[i] as string));
    }
  }
}

let isoMs = Number.NaN;
let iso = '';

/** A time as an ISO string, formatted once per millisecond however many decisions share it. */
function isoAt(ms: number): string {
  if (ms !== isoMs) {
    isoMs = ms;
    iso = new Date(ms).toISOString();
  }
  return iso;
}

/** Reads decisions back, newest first, with equality filters on who, what and the outcome. */
export async function queryDecisions(records: Records, stream: string, query: DecisionQuery = {}): Promise<StoredRecord[]> {
  const where: Record<string, string> = {};
  if (query.identity !== undefined) where.identity = query.identity;
  if (query.operation !== undefined) where.operation = query.operation;
  if (query.decision !== undefined) where.decision = query.decision;
  if (query.api !== undefined) where.api = query.api;
  return records.query(stream, {
    ...(Object.keys(where).length > 0 ? { where } : {}),
    ...(query.since === undefined ? {} : { since: query.since }),
    ...(query.until === undefined ? {} : { until: query.until }),
    limit: query.limit ?? 100,
    order: 'desc',
  });
}
