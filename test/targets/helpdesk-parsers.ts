/**
 * The helpdesk target's own body parsers and ticket renderer, small and written for the test:
 * an XML reader that, like libxml2 with entity substitution turned on, expands DOCTYPE entities
 * (internal ones and `SYSTEM "file://..."` ones) when the `xxe` flaw is planted and refuses any
 * DTD otherwise; a multipart/form-data reader; and a "template" renderer that evaluates
 * `{{ a * b }}` arithmetic in ticket text when the `ssti` flaw is planted (integer arithmetic only:
 * nothing is ever passed to eval).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export class BadInput extends Error {}

export interface XmlElement { readonly name: string; readonly children: XmlElement[]; text: string }

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function readSystemEntity(uri: string): string {
  if (!uri.startsWith('file:')) return '';
  try {
    return readFileSync(fileURLToPath(uri), 'utf8').slice(0, 4096);
  } catch {
    return '';
  }
}

/** Parses a small XML document into elements; `expandEntities` is the planted flaw. */
export function parseXml(source: string, expandEntities: boolean): XmlElement {
  let s = source.replace(/^\uFEFF/, '').replace(/<\?xml[^?]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const entities: Record<string, string> = {};
  const doctype = /<!DOCTYPE\s+[\w:.-]+\s*(\[([\s\S]*?)\])?\s*>/.exec(s);
  if (doctype !== null) {
    if (!expandEntities) throw new BadInput('DTDs are not allowed');
    for (const m of (doctype[2] ?? '').matchAll(/<!ENTITY\s+([\w.-]+)\s+(?:SYSTEM\s+)?(["'])([^"']*)\2\s*>/g)) {
      const [decl, name, , value] = m as unknown as [string, string, string, string];
      entities[name] = /SYSTEM/.test(decl) ? readSystemEntity(value) : value;
    }
    s = s.replace(doctype[0], '');
  }
  const decode = (text: string): string => text.replace(/&(#x[0-9a-f]+|#\d+|[\w.-]+);/gi, (whole, ref: string) => {
    if (ref.startsWith('#x') || ref.startsWith('#X')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number(ref.slice(1)));
    const v = PREDEFINED[ref] ?? entities[ref];
    if (v === undefined) throw new BadInput(`undefined entity ${whole}`);
    return v;
  });
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  const tag = /<(\/?)([\w:.-]+)[^>]*?(\/?)>|([^<]+)/g;
  for (const m of s.matchAll(tag)) {
    const [, closing, name, selfClosing, text] = m;
    const top = stack[stack.length - 1] as XmlElement;
    if (text !== undefined) { top.text += decode(text); continue; }
    if (closing === '/') {
      if (top.name !== name) throw new BadInput(`unexpected </${name ?? ''}>`);
      stack.pop();
      continue;
    }
    const el: XmlElement = { name: name as string, children: [], text: '' };
    top.children.push(el);
    if (selfClosing !== '/') stack.push(el);
  }
  if (stack.length !== 1 || root.children.length !== 1) throw new BadInput('malformed XML');
  return root.children[0] as XmlElement;
}

export function childText(el: XmlElement, ...names: string[]): string | undefined {
  for (const n of names) {
    const c = el.children.find((x) => x.name === n);
    if (c !== undefined) return c.text.trim();
  }
  return undefined;
}

export interface MultipartPart { readonly name: string; readonly filename: string | undefined; readonly contentType: string | undefined; readonly data: Buffer }

/** Reads multipart/form-data (RFC 7578); throws BadInput on a body without the boundary. */
export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (boundary === null) throw new BadInput('multipart body without a boundary');
  const delimiter = `--${boundary[1] ?? boundary[2] ?? ''}`;
  const text = body.toString('latin1');
  const parts: MultipartPart[] = [];
  for (const chunk of text.split(delimiter).slice(1)) {
    if (chunk.startsWith('--')) break;
    const headerEnd = chunk.indexOf('\r\n\r\n');
    if (headerEnd < 0) throw new BadInput('malformed multipart part');
    const headers = chunk.slice(2, headerEnd);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined) throw new BadInput('multipart part without a name');
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1];
    parts.push({ name, filename, contentType: type, data: Buffer.from(chunk.slice(headerEnd + 4, -2), 'latin1') });
  }
  if (parts.length === 0) throw new BadInput('empty multipart body');
  return parts;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Ticket text as HTML; with `evaluate` (the planted flaw), `{{ a op b }}` is computed like a template engine would. */
export function renderTicket(subject: string, body: string, evaluate: boolean): string {
  const render = (t: string): string => {
    if (!evaluate) return escapeHtml(t);
    return escapeHtml(t.replace(/\{\{\s*(-?\d{1,9})\s*([*+/-])\s*(-?\d{1,9})\s*\}\}/g, (_m, a: string, op: string, b: string) => {
      const [x, y] = [BigInt(a), BigInt(b)];
      return String(op === '*' ? x * y : op === '+' ? x + y : op === '-' ? x - y : y === 0n ? 0n : x / y);
    }));
  };
  return `<!doctype html><article><h1>${render(subject)}</h1><div>${render(body)}</div></article>`;
}
