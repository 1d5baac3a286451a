/**
 * A raw HTTP/1.x request as text (`GET /x HTTP/1.1\r\nHost: a\r\n\r\nbody`) split into method, target, headers
 * and body, leniently (bare LF line ends, obsolete folded header lines, a chunked body de-chunked), so that
 * `gatehouse detect` can read captured traffic. Errors name what is wrong.
 */
import type { RawRequest } from './index.js';

export function parseRawHttp(text: string): RawRequest {
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  const cut = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
  const head = cut >= 0 ? text.slice(0, cut) : text;
  let body = cut >= 0 ? text.slice(cut + (cut === crlf ? 4 : 2)) : '';
  const lines = head.split(/\r?\n/);
  const requestLine = (lines.shift() ?? '').trim();
  const m = /^([A-Za-z]+)\s+(\S+)(?:\s+HTTP\/\d(?:\.\d)?)?$/.exec(requestLine);
  if (!m) throw new Error(`request line "${requestLine.slice(0, 60)}" is not "METHOD target HTTP/1.1"`);
  const headers: Record<string, string[]> = {};
  let last: string[] | undefined;
  for (const line of lines) {
    if (line.length === 0) continue;
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined && last.length > 0) {
      last[last.length - 1] += ` ${line.trim()}`; // obsolete line folding (RFC 9112 section 5.2)
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`header line "${line.slice(0, 60)}" has no name`);
    const name = line.slice(0, colon).trim().toLowerCase();
    (last = headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  if ((headers['transfer-encoding'] ?? []).some((v) => v.toLowerCase().includes('chunked'))) body = dechunk(body);
  return { method: (m[1] as string).toUpperCase(), uri: m[2] as string, headers, ...(body.length > 0 ? { body } : {}) };
}

function dechunk(body: string): string {
  let out = '';
  let i = 0;
  while (i < body.length) {
    const eol = body.indexOf('\n', i);
    if (eol < 0) break;
    const size = parseInt(body.slice(i, eol).trim().split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size <= 0) break;
    out += body.slice(eol + 1, eol + 1 + size);
    i = eol + 1 + size;
    if (body.charCodeAt(i) === 13) i++;
    if (body.charCodeAt(i) === 10) i++;
  }
  return out;
}
