/**
 * Line numbers for JSON pointers of a JSON text, built in one pass on first use.
 * Hand-written because JSON.parse keeps no positions and a full YAML/CST parse of a 13 MB JSON
 * document costs seconds; this scanner only tracks keys, nesting and newlines.
 */
import { escapeSegment } from '../raw.js';

interface Frame {
  readonly pointer: string;
  readonly array: boolean;
  index: number;
  key: string | undefined;
}

export function indexJsonLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const stack: Frame[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  const valuePointer = (): string => {
    const top = stack[stack.length - 1];
    if (top === undefined) return '';
    return top.array ? `${top.pointer}/${top.index}` : `${top.pointer}/${escapeSegment(top.key ?? '')}`;
  };
  const readString = (): string => {
    // i is at the opening quote
    let j = i + 1;
    let out = '';
    let start = j;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 34) break; // "
      if (c === 92) { // backslash
        out += text.slice(start, j);
        const e = text[j + 1];
        if (e === 'u') { out += String.fromCharCode(parseInt(text.slice(j + 2, j + 6), 16)); j += 6; }
        else { out += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === 'b' ? '\b' : e === 'f' ? '\f' : (e ?? ''); j += 2; }
        start = j;
        continue;
      }
      if (c === 10) line++;
      j++;
    }
    out += text.slice(start, j);
    i = j + 1;
    return out;
  };
  let expectKey = false;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) { line++; i++; continue; }
    if (c === 32 || c === 9 || c === 13 || c === 44 || c === 58) { // space, tab, CR, comma, colon
      if (c === 44) {
        const top = stack[stack.length - 1];
        if (top !== undefined) { if (top.array) top.index++; else expectKey = true; }
      }
      i++;
      continue;
    }
    if (c === 34 && expectKey) {
      const top = stack[stack.length - 1];
      if (top !== undefined) top.key = readString();
      expectKey = false;
      continue;
    }
    if (c === 125 || c === 93) { stack.pop(); i++; continue; } // } ]
    // a value starts here
    const ptr = valuePointer();
    if (!lines.has(ptr)) lines.set(ptr, line);
    if (c === 123 || c === 91) { // { [
      stack.push({ pointer: ptr, array: c === 91, index: 0, key: undefined });
      expectKey = c === 123;
      i++;
      continue;
    }
    if (c === 34) { readString(); continue; }
    // number, true, false, null
    while (i < n) {
      const d = text.charCodeAt(i);
      if (d === 44 || d === 125 || d === 93 || d === 32 || d === 10 || d === 13 || d === 9) break;
      i++;
    }
  }
  return lines;
}
