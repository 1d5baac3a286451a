import type { BufferedRecords } from '../store/index.js';
import { Aggregator, type ShadowCap } from './aggregate.js';
import type { Observation } from './observation.js';
import { INVENTORY_STREAM } from './rows.js';

/**
 * Aggregates observations per API, method and path and writes one row per key every
 * `flushIntervalMs` through the buffered writer, so the store sees a few rows a second however
 * busy the gateway is, and an outage of the store loses nothing while the buffer has room.
 * With a cap, each API has at most `cap.maxPaths` shadow rows (see Aggregator).
 */
export class InventoryRecorder {
  private readonly aggregator: Aggregator;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly buffer: BufferedRecords, flushIntervalMs: number, cap?: ShadowCap) {
    this.aggregator = new Aggregator('gateway', cap);
    this.timer = setInterval(() => this.flush(), flushIntervalMs);
    this.timer.unref();
  }

  add(o: Observation): void {
    this.aggregator.add(o);
  }

  /** Moves the aggregated rows into the write buffer. */
  flush(): void {
    for (const row of this.aggregator.take()) this.buffer.add(INVENTORY_STREAM, row);
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
