/**
 * A one-line progress bar on stderr, drawn only on a terminal and at most ten times a second.
 * Written by hand: it is twenty lines, and the bar libraries pull in more than that in deps.
 */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(s: string): boolean;
}

export function progressBar(stream: ProgressStream, now: () => number = Date.now): { update(p: { sent: number; max: number; phase: string }): void; done(): void } {
  if (stream.isTTY !== true) return { update: () => undefined, done: () => undefined };
  let last = 0;
  let drawn = false;
  return {
    update({ sent, max, phase }) {
      const t = now();
      if (t - last < 100) return;
      last = t;
      const width = 24;
      const filled = Math.min(width, Math.round((sent / Math.max(1, max)) * width));
      const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${sent}/${max} requests  ${phase}`;
      stream.write(`\r\x1b[2K${text.slice(0, Math.max(20, (stream.columns ?? 80) - 1))}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
