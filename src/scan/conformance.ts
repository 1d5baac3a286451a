/**
 * Does the spec forbid this input? The scan asks the same validators the gateway enforces, on the
 * request as built (parameters read back from its path, query, headers and cookies the way a
 * server parses them, the body as encoded). "The service accepted an input the spec does not
 * allow" is only said when the spec's own validator refuses the input: a mutation of a value the
 * spec leaves unconstrained (a long string without maxLength) is not a contract violation.
 */
import type { Operation, RawParameters } from '../openapi/index.js';
import { bodyFormat, type RequestValues } from './request.js';
import type { ScanContext } from './context.js';
import type { ScanRequest } from './types.js';

function rawParameters(op: Operation, req: ScanRequest): RawParameters | undefined {
  const [pathPart = '', queryPart = ''] = req.path.split('?', 2);
  // The template's variables, read back from the path as a router would match them.
  const names: string[] = [];
  const escape = (t: string): string => t.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
  let pattern = '';
  let last = 0;
  for (const v of op.path.matchAll(/\{([^}]+)\}/g)) {
    pattern += `${escape(op.path.slice(last, v.index))}([^/]*)`;
    names.push(v[1] as string);
    last = v.index + v[0].length;
  }
  const m = new RegExp(`${pattern}${escape(op.path.slice(last))}$`).exec(pathPart);
  if (m === null) return undefined;
  const path: Record<string, string> = {};
  names.forEach((n, i) => {
    try {
      path[n] = decodeURIComponent(m[i + 1] ?? '');
    } catch {
      path[n] = m[i + 1] ?? '';
    }
  });
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(queryPart)) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const cookies: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return { path, query, headers: req.headers, cookies };
}

/** Form and multipart fields arrive as strings: the validator coerces them by the schema. */
function asFields(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    out[k] = Array.isArray(v) ? v.map((x) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x))) : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  }
  return out;
}

/**
 * What the spec says is wrong with the request (`query parameter "limit" must be <= 50`), or
 * undefined when the spec allows it (or cannot say: no validators for the operation).
 */
export function specViolation(ctx: ScanContext, op: Operation, values: RequestValues, req: ScanRequest): string | undefined {
  const v = ctx.validators(op);
  if (v === undefined) return undefined;
  const raw = rawParameters(op, req);
  const issue = raw === undefined ? undefined : v.parameters(raw).issues?.[0];
  if (issue !== undefined) return `${issue.in} parameter "${issue.name ?? ''}" ${issue.message}`;
  if (req.body === undefined) return v.bodyRequired ? 'the required body is missing' : undefined;
  const media = values.mediaType ?? req.headers['content-type'] ?? '';
  const validator = v.body(media);
  if (validator === undefined) return v.hasBody ? `the body's media type ${media} is not one the operation declares` : undefined;
  let parsed: unknown;
  switch (bodyFormat(media)) {
    case 'json':
      try {
        parsed = JSON.parse(req.body) as unknown;
      } catch {
        return 'the body is not valid JSON';
      }
      break;
    case 'form': case 'multipart':
      if (values.rawBody !== undefined) return undefined;
      parsed = asFields(values.body);
      break;
    case 'xml':
      // An XML body is checked by shape through the value it was built from.
      if (values.rawBody !== undefined) return 'the body is not well-formed XML';
      parsed = values.body;
      break;
    default:
      return undefined;
  }
  const bodyIssue = validator.validate(parsed)?.[0];
  return bodyIssue === undefined ? undefined : `body ${bodyIssue.pointer === '' ? '' : `${bodyIssue.pointer} `}${bodyIssue.message}`;
}
