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

/** Writes decisions off the request path through a bounded buffer (see BufferedRecords). */
export class DecisionTrail {
  private readonly buffer: BufferedRecords;

  constructor(records: Records, readonly stream: string, onError?: (err: unknown) => void) {
    this.buffer = new BufferedRecords(records, onError === undefined ? {} : { onError });
  }

  write(record: DecisionRecord): void {
    this.buffer.add(this.stream, record);
  }

  /** A record already serialised by its writer (see recordDecision): one per request, so no object. */
  writeJson(json: string): void {
    this.buffer.addJson(this.stream, json);
  }

  flush(): Promise<void> {
    return this.buffer.flush();
  }

  close(): Promise<void> {
    return this.buffer.close();
  }
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
