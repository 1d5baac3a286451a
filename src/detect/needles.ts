/**
 * Many fixed needles found in one pass (Aho-Corasick, ASCII case folded): the detectors look for dozens of
 * names that only attacks contain (download cradles, runtime classes, script sinks, system files) and one
 * left-to-right scan per value replaces a scan per needle. Compiled once at load time into a DFA over a small
 * alphabet (the characters the needles use; every other character is one class), so a step is one table read.
 * Written by hand: the needles are few and fixed, and a dependency for this would be larger than the code.
 */
import { work } from './work.js';

export interface Match {
  /** Index of the needle in the list given to compileNeedles. */
  readonly id: number;
  readonly start: number;
  readonly end: number;
}

export interface Needles {
  /** The first match in s (by end position) that ends after `from`, or undefined. */
  first(s: string, from?: number): Match | undefined;
  /** Calls visit for every match in order of end position until it returns true; returns whether it stopped. */
  each(s: string, visit: (id: number, start: number, end: number) => boolean): boolean;
  readonly list: readonly string[];
}

function fold(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

export function compileNeedles(list: readonly string[]): Needles {
  // Alphabet: each character used by a needle gets a class; class 0 is "any other character".
  const classOf = new Uint8Array(128);
  let classes = 1;
  for (const n of list) {
    for (let i = 0; i < n.length; i++) {
      const c = fold(n.charCodeAt(i));
      if (c >= 128) throw new Error(`needle ${JSON.stringify(n)}: ASCII only`);
      if (classOf[c] === 0) classOf[c] = classes++;
    }
  }
  // Trie.
  const next: number[][] = [new Array<number>(classes).fill(-1)];
  const out: number[][] = [[]];
  for (let id = 0; id < list.length; id++) {
    const n = list[id] as string;
    let s = 0;
    for (let i = 0; i < n.length; i++) {
      const k = classOf[fold(n.charCodeAt(i))] as number;
      let t = next[s]![k] as number;
      if (t < 0) { t = next.length; next.push(new Array<number>(classes).fill(-1)); out.push([]); next[s]![k] = t; }
      s = t;
    }
    out[s]!.push(id);
  }
  // Failure links, breadth first, turning the trie into a DFA.
  const fail = new Array<number>(next.length).fill(0);
  const queue: number[] = [];
  for (let k = 0; k < classes; k++) {
    const t = next[0]![k] as number;
    if (t < 0) next[0]![k] = 0; else { fail[t] = 0; queue.push(t); }
  }
  for (let q = 0; q < queue.length; q++) {
    const s = queue[q] as number;
    out[s]!.push(...out[fail[s] as number]!);
    for (let k = 0; k < classes; k++) {
      const t = next[s]![k] as number;
      if (t < 0) next[s]![k] = next[fail[s] as number]![k] as number;
      else { fail[t] = next[fail[s] as number]![k] as number; queue.push(t); }
    }
  }
  const states = next.length;
  const table = new Int32Array(states * classes);
  for (let s = 0; s < states; s++) for (let k = 0; k < classes; k++) table[s * classes + k] = next[s]![k] as number;
  const outputs = out.map((o) => Int32Array.from(o));
  const lengths = list.map((n) => n.length);

  function each(s: string, visit: (id: number, start: number, end: number) => boolean): boolean {
    work.units += s.length;
    let state = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const k = c < 128 ? (classOf[c >= 65 && c <= 90 ? c + 32 : c] as number) : 0;
      state = table[state * classes + k] as number;
      const o = outputs[state] as Int32Array;
      for (let j = 0; j < o.length; j++) {
        const id = o[j] as number;
        if (visit(id, i + 1 - (lengths[id] as number), i + 1)) return true;
      }
    }
    return false;
  }

  function first(s: string, from = 0): Match | undefined {
    work.units += s.length - from;
    let state = 0;
    for (let i = from; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const k = c < 128 ? (classOf[c >= 65 && c <= 90 ? c + 32 : c] as number) : 0;
      state = table[state * classes + k] as number;
      const o = outputs[state] as Int32Array;
      if (o.length > 0) {
        const id = o[0] as number;
        return { id, start: i + 1 - (lengths[id] as number), end: i + 1 };
      }
    }
    return undefined;
  }

  return { list, each, first };
}
