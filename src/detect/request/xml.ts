/**
 * The values of an XML document as the application's parser hands them over: attribute values and text
 * content (CDATA included), entities decoded, with where each was found. A DOCTYPE is handed over whole (an
 * internal subset declares entities: XXE). Written by hand because no streaming XML library reads a broken or
 * hostile document leniently, in one linear pass, without resolving entities. Bounded by MAX_VALUES.
 */
import { entityDecode } from '../decode.js';
import { work } from '../work.js';

const MAX_VALUES = 10_000;

export type XmlVisitor = (value: string, location: string) => boolean;

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46 || c === 58 || c > 127;
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Calls `visit` for each value; stops when it returns true. Returns whether it was stopped. */
export function xmlValues(doc: string, visit: XmlVisitor, base = 'body'): boolean {
  const stack: string[] = [];
  let count = 0;
  let i = 0;
  const n = doc.length;
  const here = (): string => (stack.length === 0 ? base : `${base}.${stack.slice(-3).join('.')}`);
  const emit = (v: string, loc: string): boolean => ++count <= MAX_VALUES && v.length > 0 && visit(v, loc);
  while (i < n) {
    work.units++;
    const lt = doc.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) {
      const text = doc.slice(i, textEnd).trim();
      if (text.length > 0 && emit(entityDecode(text), here())) return true;
    }
    if (lt < 0) break;
    if (doc.startsWith('<!--', lt)) { const e = doc.indexOf('-->', lt + 4); i = e < 0 ? n : e + 3; continue; }
    if (doc.startsWith('<![CDATA[', lt)) {
      const e = doc.indexOf(']]>', lt + 9);
      if (emit(doc.slice(lt + 9, e < 0 ? n : e), here())) return true;
      i = e < 0 ? n : e + 3;
      continue;
    }
    if (doc.startsWith('<?', lt)) { const e = doc.indexOf('?>', lt + 2); i = e < 0 ? n : e + 2; continue; }
    if (doc.startsWith('<!', lt)) {
      // <!DOCTYPE x [ ... ]>: the internal subset ends at "]>"
      const gt = doc.indexOf('>', lt);
      const stop = gt < 0 ? n : gt;
      // An internal subset "[...]" opens before the first '>' and ends at "]>".
      const bracket = doc.slice(lt, stop).indexOf('[');
      const e = bracket >= 0 ? doc.indexOf(']>', lt + bracket) : gt;
      const end = e < 0 ? n : e + (bracket >= 0 ? 2 : 1);
      if (emit(doc.slice(lt, end), `${base}.!DOCTYPE`)) return true;
      i = end;
      continue;
    }
    let j = lt + 1;
    const closing = doc.charCodeAt(j) === 47;
    if (closing) j++;
    const nameStart = j;
    while (j < n && isNameChar(doc.charCodeAt(j))) j++;
    const name = doc.slice(nameStart, j);
    if (name.length === 0) {
      // A lone '<' in text ("a < b"): part of the text, up to the next markup.
      const next = doc.indexOf('<', lt + 1);
      const e = next < 0 ? n : next;
      if (emit(entityDecode(doc.slice(lt, e).trim()), here())) return true;
      i = e;
      continue;
    }
    if (closing) {
      const gt = doc.indexOf('>', j); // consumed up to it, so the search is paid once
      const at = stack.lastIndexOf(name);
      if (at >= 0) stack.length = at;
      i = gt < 0 ? n : gt + 1;
      continue;
    }
    // Attributes until '>' or '/>'.
    let selfClosing = false;
    while (j < n) {
      while (j < n && isSpace(doc.charCodeAt(j))) j++;
      const c = doc.charCodeAt(j);
      if (c === 62) { j++; break; }
      if (c === 47 && doc.charCodeAt(j + 1) === 62) { selfClosing = true; j += 2; break; }
      const an = j;
      while (j < n && isNameChar(doc.charCodeAt(j))) j++;
      if (j === an) { j++; continue; }
      const attr = doc.slice(an, j);
      while (j < n && isSpace(doc.charCodeAt(j))) j++;
      if (doc.charCodeAt(j) !== 61) continue;
      j++;
      while (j < n && isSpace(doc.charCodeAt(j))) j++;
      const q = doc.charCodeAt(j);
      let value: string;
      if (q === 34 || q === 39) {
        const e = doc.indexOf(String.fromCharCode(q), j + 1);
        value = doc.slice(j + 1, e < 0 ? n : e);
        j = e < 0 ? n : e + 1;
      } else {
        const vs = j;
        while (j < n && !isSpace(doc.charCodeAt(j)) && doc.charCodeAt(j) !== 62) j++;
        value = doc.slice(vs, j);
      }
      if (emit(entityDecode(value), `${base}.${[...stack.slice(-2), name].join('.')}@${attr}`)) return true;
    }
    if (!selfClosing && stack.length < 256) stack.push(name);
    i = j;
  }
  return false;
}
