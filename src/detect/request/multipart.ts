/**
 * multipart/form-data (RFC 7578) split into its parts: each part's field name, file name and content. The
 * boundary comes from the content type or, when a client sent none, from the body's first line. Linear: one
 * indexOf pass over the body per boundary occurrence.
 */
export interface Part {
  readonly name: string;
  readonly filename: string | undefined;
  readonly contentType: string;
  readonly value: string;
}

const MAX_PARTS = 1000;

export function boundaryOf(contentType: string, body: string): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (m) return m[1] ?? m[2];
  // No content type: a body that starts with "--token" and a line break is multipart all the same.
  const first = /^--([\x21-\x7e]{1,200})\r?\n/.exec(body);
  return first?.[1];
}

export function parts(body: string, boundary: string): Part[] {
  const out: Part[] = [];
  const delim = `--${boundary}`;
  let at = body.indexOf(delim);
  while (at >= 0 && out.length < MAX_PARTS) {
    let start = at + delim.length;
    if (body.startsWith('--', start)) break; // closing delimiter
    if (body.charCodeAt(start) === 13) start++;
    if (body.charCodeAt(start) === 10) start++;
    const next = body.indexOf(delim, start);
    const end = next < 0 ? body.length : next;
    const chunk = body.slice(start, end).replace(/\r?\n$/, '');
    const sep = /\r?\n\r?\n/.exec(chunk);
    const head = sep ? chunk.slice(0, sep.index) : '';
    const value = sep ? chunk.slice(sep.index + sep[0].length) : chunk;
    const disposition = /content-disposition:([^\r\n]*)/i.exec(head)?.[1] ?? '';
    const name = /\bname\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(disposition);
    const file = /\bfilename\*?\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(disposition);
    out.push({
      name: name?.[1] ?? name?.[2] ?? '',
      filename: file ? file[1] ?? file[2] ?? '' : undefined,
      contentType: (/content-type:\s*([^\r\n;]*)/i.exec(head)?.[1] ?? '').trim().toLowerCase(),
      value,
    });
    at = next;
  }
  return out;
}
