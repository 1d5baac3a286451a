import { checkRecordText, recordJson } from './check.js';
import type { RecordFilter, RecordQuery, Records, StoredRecord } from './ports.js';

export interface BufferedRecordsOptions {
  /** Records held while the store is slow or down; beyond this, new records are dropped and counted. Default 10 000. */
  readonly capacity?: number;
  /** Records per appendMany. Default 500. */
  readonly batchSize?: number;
  /** How long a record may wait before a flush starts. Default 250 ms. */
  readonly flushIntervalMs?: number;
  /** Retry delay doubles from flushIntervalMs after each failure, up to this. Default 5000 ms. */
  readonly maxRetryDelayMs?: number;
  /** Told about each failed flush (for the log); the records stay buffered. */
  readonly onError?: (err: unknown) => void;
}

export interface BufferedRecordsStats {
  /** Accepted, not yet stored. */
  readonly pending: number;
  /** Refused because the buffer was full: a monotonic counter for metrics. */
  readonly dropped: number;
  /** Stored in the backing store. */
  readonly flushed: number;
  /** Failed flush attempts. */
  readonly failures: number;
}

interface Pending {
  readonly stream: string;
  /** The record as JSON text: a snapshot, so later changes by the caller do not leak in. */
  readonly json: string;
}

/**
 * Keeps appends off the request path: `add` only copies the record into a bounded buffer, and
 * batches go to the backing store in the background. When the store fails, the batch stays at
 * the head of the buffer and is retried with backoff, so nothing accepted is lost while the
 * buffer has room (delivery is at-least-once: a batch whose reply was lost may be stored twice).
 * Insertion timestamps are the store's, taken at flush time: records carry their own event time.
 */
export class BufferedRecords {
  private readonly buffer: Pending[] = [];
  private readonly capacity: number;
  private readonly batchSize: number;
  private readonly interval: number;
  private readonly maxDelay: number;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private delay: number;
  private closed = false;
  private counts = { dropped: 0, flushed: 0, failures: 0 };

  constructor(
    private readonly target: Records,
    private readonly options: BufferedRecordsOptions = {},
  ) {
    this.capacity = options.capacity ?? 10_000;
    this.batchSize = options.batchSize ?? 500;
    this.interval = options.flushIntervalMs ?? 250;
    this.maxDelay = options.maxRetryDelayMs ?? 5000;
    this.delay = this.interval;
  }

  /**
   * Accepts a record for `stream`; false when it was dropped (buffer full or closed). Throws
   * StoreInputError for a record that is not a JSON-serialisable object: that is a bug, not load.
   */
  add(stream: string, record: object): boolean {
    return this.push({ stream, json: recordJson(stream, record) });
  }

  /**
   * Like `add`, for a record its writer serialised itself (the decision trail writes one per
   * request): the JSON text of an object, escaped as JSON.stringify would. Stored as it is.
   */
  addJson(stream: string, json: string): boolean {
    checkRecordText(stream, json);
    return this.push({ stream, json });
  }

  private push(pending: Pending): boolean {
    if (this.closed || this.buffer.length >= this.capacity) {
      this.counts.dropped++;
      return false;
    }
    this.buffer.push(pending);
    if (this.buffer.length >= this.batchSize) this.schedule(0);
    else this.schedule(this.delay);
    return true;
  }

  stats(): BufferedRecordsStats {
    return { pending: this.buffer.length, ...this.counts };
  }

  /** Stores everything buffered now; rejects with the store's error if it fails (the records stay buffered). */
  async flush(): Promise<void> {
    while (this.draining !== undefined) await this.draining.catch(() => undefined);
    if (this.buffer.length === 0) return;
    await this.drain();
  }

  /** Stops accepting and flushes what is buffered; rejects if the store cannot take it. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Reads go straight to the store (after trying to flush, so a caller sees its own writes). */
  async query(stream: string, query?: RecordQuery): Promise<StoredRecord[]> {
    await this.flush().catch(() => undefined);
    return this.target.query(stream, query);
  }

  async count(stream: string, filter?: RecordFilter): Promise<number> {
    await this.flush().catch(() => undefined);
    return this.target.count(stream, filter);
  }

  private schedule(ms: number): void {
    if (this.draining !== undefined) return; // the running drain picks the new records up
    if (this.timer !== undefined) {
      if (ms > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain().catch(() => undefined); // failures are counted and rescheduled inside drain
    }, ms);
    this.timer.unref();
  }

  private drain(): Promise<void> {
    this.draining ??= this.run().finally(() => {
      this.draining = undefined;
      if (this.buffer.length > 0) this.schedule(this.delay);
    });
    return this.draining;
  }

  private async run(): Promise<void> {
    while (this.buffer.length > 0) {
      // A run of one stream from the head: order is kept within and across streams.
      const stream = (this.buffer[0] as Pending).stream;
      let n = 1;
      while (n < this.batchSize && n < this.buffer.length && (this.buffer[n] as Pending).stream === stream) n++;
      // Stored as the JSON it already is: no parse and second serialisation per record.
      const batch = this.buffer.slice(0, n).map((p) => p.json);
      try {
        await this.target.appendManyJson(stream, batch);
      } catch (err) {
        this.counts.failures++;
        this.delay = Math.min(this.delay * 2, this.maxDelay);
        this.options.onError?.(err);
        throw err;
      }
      this.buffer.splice(0, n);
      this.counts.flushed += n;
      this.delay = this.interval;
    }
  }
}
