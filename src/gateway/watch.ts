import { statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

export interface FileWatchOptions {
  readonly logger: Logger;
  /** Some watched file changed (its content, or the file it resolves to). */
  readonly onChange: () => void;
  /** Told whether every folder has a live watch (false: changes are found by polling only). */
  readonly onHealth?: (ok: boolean) => void;
  /** Backstop poll: every watched file is stat'ed this often whatever the watches say. */
  readonly pollMs?: number;
  /** Events come in bursts (write, rename, chmod): wait this long for the burst to settle. */
  readonly settleMs?: number;
}

/** What identifies the content a path resolves to, short of reading it; and when it last changed. */
function stat(file: string): { key: string; changedMs: number } {
  try {
    // stat follows symlinks: a ConfigMap's `..data` swap changes the file the path resolves to.
    const s = statSync(file, { bigint: true });
    return { key: `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`, changedMs: Number(s.ctimeNs / 1_000_000n) };
  } catch (error) {
    return { key: `missing:${(error as NodeJS.ErrnoException).code ?? 'error'}`, changedMs: -1 };
  }
}

function fingerprint(file: string): string {
  return stat(file).key;
}

interface Folder {
  watcher: FSWatcher | undefined;
  /** The folder's own identity when the watch was set: a folder replaced or removed is watched anew. */
  identity: string;
  /** Why it is not watched, when it is not. */
  problem?: string;
}

/**
 * Watches files the way they are really replaced. A watch on a file follows its inode, so the
 * first rename-style save (`sed -i`, editors writing a temporary file then renaming it, a
 * Kubernetes ConfigMap swapping its `..data` symlink) leaves it watching a file that no longer
 * has the name, and every later change is missed. Here each file's *folder* is watched, any
 * event in it triggers a stat of every watched file, and a change of the stat fingerprint (the
 * inode the path resolves to, size, mtime, ctime) is a change.
 *
 * Watches can stop without a word (inotify drops the watch of a folder that is removed or
 * renamed; network file systems never send events). So a poll stats every file every `pollMs`
 * whatever the watches say, and each poll re-establishes the watch of a folder that was
 * replaced, removed or errored, logging the loss once and the recovery once. Changes are never
 * missed, at worst found a poll later.
 */
export class FileWatcher {
  private readonly seen = new Map<string, string>();
  private readonly folders = new Map<string, Folder>();
  private readonly pollMs: number;
  private readonly settleMs: number;
  private poller: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;
  private healthy = true;
  private closed = false;

  constructor(private readonly options: FileWatchOptions) {
    this.pollMs = options.pollMs ?? 2000;
    this.settleMs = options.settleMs ?? 150;
    this.poller = setInterval(() => this.poll(), this.pollMs);
    this.poller.unref();
  }

  /**
   * The files to watch from now on. A file new to the watch takes its current state as the
   * reference, unless it changed at or after `readSince` (when a reload began reading it): then
   * what was read may be older than what is there, and the next check reports a change.
   */
  setFiles(files: Iterable<string>, readSince?: number): void {
    const wanted = new Set([...files].map((f) => path.resolve(f)));
    for (const file of [...this.seen.keys()]) if (!wanted.has(file)) this.seen.delete(file);
    for (const file of wanted) {
      if (this.seen.has(file)) continue;
      const now = stat(file);
      this.seen.set(file, readSince !== undefined && now.changedMs >= readSince ? `stale:${now.key}` : now.key);
    }
    const dirs = new Set([...wanted].map((f) => path.dirname(f)));
    for (const [dir, folder] of this.folders) {
      if (dirs.has(dir)) continue;
      folder.watcher?.close();
      this.folders.delete(dir);
    }
    for (const dir of dirs) if (!this.folders.has(dir)) this.folders.set(dir, this.open(dir));
    this.report();
  }

  get files(): readonly string[] {
    return [...this.seen.keys()];
  }

  close(): void {
    this.closed = true;
    if (this.poller !== undefined) clearInterval(this.poller);
    if (this.settle !== undefined) clearTimeout(this.settle);
    for (const folder of this.folders.values()) folder.watcher?.close();
    this.folders.clear();
  }

  /** Stats every file now; reports a change when a fingerprint moved. */
  check(): boolean {
    let changed = false;
    for (const [file, before] of this.seen) {
      const now = fingerprint(file);
      if (now !== before) {
        this.seen.set(file, now);
        changed = true;
      }
    }
    if (changed && !this.closed) this.options.onChange();
    return changed;
  }

  private poll(): void {
    for (const [dir, folder] of this.folders) {
      if (folder.watcher === undefined || fingerprint(dir) !== folder.identity) {
        folder.watcher?.close();
        this.folders.set(dir, this.open(dir));
      }
    }
    this.report();
    this.check();
  }

  private open(dir: string): Folder {
    const identity = fingerprint(dir);
    try {
      const watcher = watch(dir, { persistent: false }, (_event, name) => {
        // The folder itself was renamed or removed: its watch is dead from now on.
        if (name === path.basename(dir)) this.dropWatch(dir, watcher);
        this.soon();
      });
      watcher.on('error', (error) => {
        const folder = this.folders.get(dir);
        if (folder !== undefined) folder.problem = (error as NodeJS.ErrnoException).code ?? error.message;
        this.dropWatch(dir, watcher);
      });
      return { watcher, identity };
    } catch (error) {
      return { watcher: undefined, identity, problem: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
    }
  }

  private dropWatch(dir: string, watcher: FSWatcher): void {
    watcher.close();
    const folder = this.folders.get(dir);
    if (folder?.watcher === watcher) folder.watcher = undefined;
    this.report();
    this.soon();
  }

  private soon(): void {
    if (this.closed) return;
    if (this.settle !== undefined) clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      this.settle = undefined;
      this.check();
    }, this.settleMs);
    this.settle.unref();
  }

  private report(): void {
    const ok = [...this.folders.values()].every((f) => f.watcher !== undefined);
    if (ok !== this.healthy) {
      this.healthy = ok;
      if (ok) this.options.logger.info('config watch re-established');
      else {
        const lost = [...this.folders].filter(([, f]) => f.watcher === undefined).map(([dir, f]) => ({ dir, problem: f.problem ?? 'folder replaced or removed' }));
        this.options.logger.error({ lost }, `config watch lost; changes are polled every ${this.pollMs} ms and the watch is re-established as soon as it can be`);
      }
    }
    this.options.onHealth?.(ok);
  }
}
