import { child, isObject } from '../raw.js';
import type { Rule } from '../types.js';
import { expandServer, hostOf, serverRefs } from './util.js';

/** RFC 1918 / loopback / link-local ranges and names that only resolve inside a network. */
function isInternalHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '0.0.0.0' || h === '::1' || h === 'host.docker.internal') return true;
  if (/^(127\.|10\.|192\.168\.|169\.254\.)/.test(h)) return true;
  const m = /^172\.(\d+)\./.exec(h);
  if (m !== null && Number(m[1]) >= 16 && Number(m[1]) <= 31) return true;
  if (/^f[cd][0-9a-f]{2}:/i.test(h)) return true;
  return /\.(local|internal|intranet|corp|lan|localdomain|home\.arpa)$/.test(h) || /^[a-z0-9-]+$/.test(h) && !h.includes('.') && h !== 'x';
}

/** `https://{region}.example.com/v1` -> `https://{region}.example.com`; a URL starting with a variable is all host. */
function hostPart(url: string): string {
  return /^[^:/{]*:\/\/[^/]*/.exec(url)?.[0] ?? url.split('/')[0] ?? '';
}

export const transportRules: Rule[] = [
  {
    id: 'GH-TLS-001', title: 'Server over plain HTTP', severity: 'high', owasp: 'API8:2023',
    description: 'Requests, tokens and data sent to an http:// or ws:// server can be read and altered in transit.',
    fix: 'Serve the API over https:// (wss://) only and remove plain-HTTP server entries.',
    check(ctx, emit) {
      for (const s of serverRefs(ctx.raw, ctx.spec.version)) {
        const url = expandServer(s);
        const host = hostOf(url);
        if (/^(http|ws):\/\//i.test(url) && host !== undefined && !isInternalHost(host)) emit(s.pointer, `server ${s.url} is not encrypted`);
      }
    },
  },
  {
    id: 'GH-TLS-002', title: 'No server declared', severity: 'low', owasp: 'API9:2023',
    description: 'Without servers the document does not say where the API lives, so its exposure cannot be inventoried or checked.',
    fix: 'List the production (and only the public) base URLs under `servers` (`host`/`schemes` in 2.0).',
    check(ctx, emit) {
      if (ctx.spec.operations.length > 0 && serverRefs(ctx.raw, ctx.spec.version).length === 0) emit('', 'the document declares no server');
    },
  },
  {
    id: 'GH-TLS-003', title: 'Server points at an internal host', severity: 'medium', owasp: 'API9:2023',
    description: 'A published spec that names localhost, private addresses or internal domains leaks network layout and non-production environments.',
    fix: 'Publish only public base URLs; keep internal and development servers in a separate, private spec.',
    check(ctx, emit) {
      for (const s of serverRefs(ctx.raw, ctx.spec.version)) {
        const host = hostOf(expandServer(s));
        if (host !== undefined && host !== '' && isInternalHost(host)) emit(s.pointer, `server ${s.url} points at internal host ${host}`);
      }
    },
  },
  {
    id: 'GH-TLS-004', title: 'Server variable without enum', severity: 'low', owasp: 'API8:2023',
    description: 'A free server variable lets generated clients be pointed at any host, including an attacker\'s.',
    fix: 'Give each server variable an `enum` of allowed values.',
    check(ctx, emit) {
      if (ctx.spec.version === '2.0') return;
      for (const s of serverRefs(ctx.raw, ctx.spec.version)) {
        const base = s.pointer.replace(/\/url$/, '');
        for (const [name, v] of Object.entries(s.variables)) {
          if (isObject(v) && !Array.isArray(v.enum) && hostPart(s.url).includes(`{${name}}`)) {
            emit(child(base, 'variables', name), `server variable \`${name}\` in the host part has no enum`);
          }
        }
      }
    },
  },
];
