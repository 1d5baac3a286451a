import { parsePointer, escapeToken } from './pointer.js';

/**
 * Finds the line of a JSON pointer in JSON text without building a full position index: big
 * specs (GitHub's is 13 MB) are parsed with JSON.parse, which keeps no positions, and an eager
 * index would cost more than the parse. Each container is scanned at most once, when a pointer
 * first goes through it, and its direct children's offsets are cached.
 */
export class JsonLocator {
  readonly #text: string;
  #lineStarts: Int32Array | undefined;
  /** pointer -> [keyOffset, valueOffset] of an already scanned child. */
  readonly #children = new Map<string, readonly [number, number]>();
  readonly #scanned = new Set<string>();

  constructor(text: string) {
    this.#text = text;
  }

  locate(pointer: string): { line: number; column: number } | undefined {
    const offset = this.offsetOf(pointer);
    return offset === undefined ? undefined : this.position(offset);
  }

  position(offset: number): { line: number; column: number } {
    const starts = this.#lines();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
  }

  offsetOf(pointer: string): number | undefined {
    const tokens = parsePointer(pointer);
    if (tokens === undefined) return undefined;
    let at = this.#skipWs(0);
    let current = '';
    let keyOffset = at;
    for (const token of tokens) {
      if (!this.#scanned.has(current)) this.#scanContainer(current, at);
      const child = current + '/' + escapeToken(token);
      const hit = this.#children.get(child);
      if (hit === undefined) return undefined;
      [keyOffset, at] = hit;
      current = child;
    }
    return keyOffset;
  }

  #lines(): Int32Array {
    if (this.#lineStarts !== undefined) return this.#lineStarts;
    const text = this.#text;
    const starts: number[] = [0];
    let i = text.indexOf('\n');
    while (i !== -1) {
      starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
    this.#lineStarts = Int32Array.from(starts);
    return this.#lineStarts;
  }

  #skipWs(i: number): number {
    const t = this.#text;
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
      i++;
    }
    return i;
  }

  #scanContainer(pointer: string, at: number): void {
    this.#scanned.add(pointer);
    const t = this.#text;
    const open = t.charCodeAt(at);
    if (open !== 123 /* { */ && open !== 91 /* [ */) return;
    let i = this.#skipWs(at + 1);
    let index = 0;
    while (i < t.length && t.charCodeAt(i) !== (open === 123 ? 125 : 93)) {
      const keyStart = i;
      let name: string;
      if (open === 123) {
        const end = this.#skipString(i);
        const raw = t.slice(i, end);
        name = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        i = this.#skipWs(end);
        i = this.#skipWs(i + 1); // the colon
      } else {
        name = String(index++);
      }
      this.#children.set(pointer + '/' + escapeToken(name), [keyStart, i]);
      i = this.#skipWs(this.#skipValue(i));
      if (t.charCodeAt(i) === 44 /* , */) i = this.#skipWs(i + 1);
      else break;
    }
  }

  #skipString(i: number): number {
    const t = this.#text;
    let j = i + 1;
    for (;;) {
      const q = t.indexOf('"', j);
      if (q === -1) return t.length;
      let backslashes = 0;
      let k = q - 1;
      while (t.charCodeAt(k) === 92) {
        backslashes++;
        k--;
      }
      if (backslashes % 2 === 0) return q + 1;
      j = q + 1;
    }
  }

  #skipValue(i: number): number {
    const t = this.#text;
    const c = t.charCodeAt(i);
    if (c === 34) return this.#skipString(i);
    if (c === 123 || c === 91) {
      let depth = 0;
      while (i < t.length) {
        const d = t.charCodeAt(i);
        if (d === 34) {
          i = this.#skipString(i);
          continue;
        }
        if (d === 123 || d === 91) depth++;
        else if (d === 125 || d === 93) {
          depth--;
          if (depth === 0) return i + 1;
        }
        i++;
      }
      return i;
    }
    while (i < t.length) {
      const d = t.charCodeAt(i);
      if (d === 44 || d === 125 || d === 93 || d === 32 || d === 10 || d === 13 || d === 9) break;
      i++;
    }
    return i;
  }
}
