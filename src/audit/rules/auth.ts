import { child, isObject } from '../raw.js';
import type { Rule } from '../types.js';
import { ADMIN_PATH, WRITE_METHODS, credentialEvidence, expandServer, hasSecurity, serverRefs, valueShape } from './util.js';

export const authRules: Rule[] = [
  {
    id: 'GH-AUTH-001', title: 'No security scheme declared', severity: 'high', owasp: 'API2:2023',
    description: 'The document declares no security scheme, so no operation can require authentication.',
    fix: 'Declare a security scheme (OAuth2, OpenID Connect, bearer JWT, mutual TLS) and require it at document level.',
    check(ctx, emit) {
      if (ctx.spec.operations.length > 0 && Object.keys(ctx.spec.securitySchemes).length === 0) {
        emit(ctx.spec.version === '2.0' ? '' : ctx.raw.get('/components') === undefined ? '' : '/components', 'no security scheme is declared');
      }
    },
  },
  {
    id: 'GH-AUTH-002', title: 'Operation without security', severity: 'high', owasp: 'API2:2023',
    description: 'An operation that requires no authentication can be called by anyone who can reach it.',
    fix: 'Add a `security` requirement to the operation or the document; mark deliberately public operations with x-gatehouse-ignore and a reason.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) {
        if (op.method !== 'OPTIONS' && !hasSecurity(op)) emit(op.pointer, `${op.method} ${op.path} requires no authentication`);
      }
    },
  },
  {
    id: 'GH-AUTH-003', title: 'Authentication is optional', severity: 'medium', owasp: 'API2:2023',
    description: 'An empty security requirement `{}` among the alternatives lets callers skip authentication entirely.',
    fix: 'Remove the empty `{}` alternative from `security`, or split the anonymous behaviour into its own operation.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) {
        if (hasSecurity(op) && op.security.some((r) => Object.keys(r).length === 0)) emit(child(op.pointer, 'security'), `${op.method} ${op.path} accepts anonymous callers as an alternative`);
      }
    },
  },
  {
    id: 'GH-AUTH-004', title: 'API key sent in the query string', severity: 'high', owasp: 'API2:2023',
    description: 'Query strings end up in access logs, proxies, browser history and Referer headers, leaking the key.',
    fix: 'Send the API key in a header (`in: header`), or move to OAuth2 / bearer tokens.',
    check(ctx, emit) {
      for (const [name, s] of Object.entries(ctx.spec.securitySchemes)) {
        if (s.type === 'apiKey' && s.in === 'query') emit(s.pointer, `security scheme \`${name}\` takes the key from query parameter \`${s.name ?? ''}\``);
      }
    },
  },
  {
    id: 'GH-AUTH-005', title: 'Credential passed as a query parameter', severity: 'high', owasp: 'API2:2023',
    description: 'A parameter named like a token, key or password travels in the URL, where it is logged and cached.',
    fix: 'Accept the credential in the Authorization header (or another header) instead of the query string.',
    supersedes: ['GH-DATA-005'],
    check(ctx, emit) {
      // A parameter that an apiKey scheme reads from the query is GH-AUTH-004's finding, not a second one.
      const schemeParams = new Set(Object.values(ctx.spec.securitySchemes).filter((s) => s.type === 'apiKey' && s.in === 'query').map((s) => s.name));
      const deref = (n: unknown): Readonly<Record<string, unknown>> | undefined => (isObject(n) ? n : undefined);
      for (const op of ctx.spec.operations) {
        for (const p of op.parameters) {
          if (p.in !== 'query' || schemeParams.has(p.name)) continue;
          const written = ctx.raw.get(ctx.raw.placeOf(p));
          const description = isObject(written) && typeof written.description === 'string' ? written.description : undefined;
          const evidence = credentialEvidence(p.name, description);
          if (evidence === undefined) continue;
          // A flag, a number or an enumerated value is a switch, not a credential (`token=true`).
          const shape = p.schema === undefined ? 'untyped' : valueShape(p.schema, deref);
          if (shape === 'other') continue;
          const confidence = evidence === 'definite' && shape === 'text' ? 'high' : 'medium';
          const why = evidence === 'described' ? ' (its description calls it one)' : '';
          emit(ctx.raw.placeOf(p), `query parameter \`${p.name}\` of ${op.method} ${op.path} carries a credential${why}`, { confidence });
        }
      }
    },
  },
  {
    id: 'GH-AUTH-006', title: 'Basic authentication over plain HTTP', severity: 'critical', owasp: 'API2:2023',
    description: 'HTTP Basic sends the password (base64, not encrypted) with every request; over http:// anyone on the path reads it.',
    fix: 'Serve the API over https:// only, and prefer token-based authentication to Basic.',
    check(ctx, emit) {
      const basic = Object.entries(ctx.spec.securitySchemes).filter(([, s]) => s.type === 'http' && s.scheme?.toLowerCase() === 'basic');
      if (basic.length === 0) return;
      const plain = serverRefs(ctx.raw, ctx.spec.version).filter((s) => /^(http|ws):\/\//i.test(expandServer(s)));
      for (const s of plain) emit(s.pointer, `server ${s.url} is plain HTTP and the API accepts Basic authentication (${basic.map(([n]) => n).join(', ')})`);
    },
  },
  {
    id: 'GH-AUTH-007', title: 'HTTP Basic authentication', severity: 'low', owasp: 'API2:2023',
    description: 'Basic authentication sends a long-lived password on every request and cannot carry scopes or expiry.',
    fix: 'Use OAuth2 / OpenID Connect bearer tokens, or mutual TLS for machine clients.',
    check(ctx, emit) {
      for (const [name, s] of Object.entries(ctx.spec.securitySchemes)) if (s.type === 'http' && s.scheme?.toLowerCase() === 'basic') emit(s.pointer, `security scheme \`${name}\` is HTTP Basic`);
    },
  },
  {
    id: 'GH-AUTH-008', title: 'OAuth2 implicit flow', severity: 'high', owasp: 'API2:2023',
    description: 'The implicit flow returns tokens in the URL fragment; RFC 9700 (OAuth 2.0 Security BCP) says not to use it.',
    fix: 'Use the authorization code flow with PKCE.',
    check(ctx, emit) {
      for (const [name, s] of Object.entries(ctx.spec.securitySchemes)) if (s.type === 'oauth2' && s.flows?.implicit !== undefined) emit(flowPointer(ctx.spec.version, s.pointer, 'implicit'), `security scheme \`${name}\` offers the implicit flow`);
    },
  },
  {
    id: 'GH-AUTH-009', title: 'OAuth2 resource owner password flow', severity: 'high', owasp: 'API2:2023',
    description: 'The password grant hands user passwords to the client; RFC 9700 says it must not be used.',
    fix: 'Use the authorization code flow with PKCE (users) or client credentials (machines).',
    check(ctx, emit) {
      for (const [name, s] of Object.entries(ctx.spec.securitySchemes)) if (s.type === 'oauth2' && s.flows?.password !== undefined) emit(flowPointer(ctx.spec.version, s.pointer, 'password'), `security scheme \`${name}\` offers the password flow`);
    },
  },
  {
    id: 'GH-AUTH-010', title: 'Scope used but not declared', severity: 'medium', owasp: 'API5:2023',
    description: 'An operation requires a scope that the OAuth2 scheme does not declare: no client can obtain it, or the check is mistyped.',
    fix: 'Declare the scope in the scheme\'s flows, or correct its spelling in the operation.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) for (const req of op.security) for (const [name, scopes] of Object.entries(req)) {
        const s = ctx.spec.securitySchemes[name];
        if (s?.type !== 'oauth2') continue;
        const declared = new Set(Object.values(s.flows ?? {}).flatMap((f) => Object.keys(f.scopes ?? {})));
        for (const sc of scopes) if (!declared.has(sc)) emit(op.pointer, `${op.method} ${op.path} requires scope \`${sc}\` that \`${name}\` does not declare`);
      }
    },
  },
  {
    id: 'GH-AUTH-011', title: 'Scope declared but never used', severity: 'low', owasp: 'API5:2023',
    description: 'A declared scope that no operation requires grants nothing or hides a missing authorization check.',
    fix: 'Require the scope on the operations it protects, or remove it from the scheme.',
    check(ctx, emit) {
      const used = new Set<string>();
      for (const req of [...ctx.spec.security, ...ctx.spec.operations.flatMap((o) => o.security)]) for (const [n, scopes] of Object.entries(req)) for (const sc of scopes) used.add(`${n}\u0000${sc}`);
      for (const [name, s] of Object.entries(ctx.spec.securitySchemes)) {
        if (s.type !== 'oauth2') continue;
        for (const [flow, f] of Object.entries(s.flows ?? {})) for (const sc of Object.keys(f.scopes ?? {})) {
          if (!used.has(`${name}\u0000${sc}`)) emit(child(flowPointer(ctx.spec.version, s.pointer, flow), 'scopes', sc), `scope \`${sc}\` of \`${name}\` is never required`);
        }
      }
    },
  },
  {
    id: 'GH-AUTH-012', title: 'Security requirement names an undeclared scheme', severity: 'high', owasp: 'API2:2023',
    description: 'A requirement that names no declared scheme cannot be enforced; tools may treat the operation as open.',
    fix: 'Declare the scheme under components.securitySchemes (securityDefinitions in 2.0) or fix the name.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) for (const req of op.security) for (const name of Object.keys(req)) {
        if (ctx.spec.securitySchemes[name] === undefined) emit(op.pointer, `${op.method} ${op.path} requires undeclared scheme \`${name}\``);
      }
    },
  },
  {
    id: 'GH-AUTH-013', title: 'Authorization server URL over plain HTTP', severity: 'high', owasp: 'API2:2023',
    description: 'Tokens and authorization codes fetched over http:// can be stolen or replaced in transit.',
    fix: 'Use https:// for authorizationUrl, tokenUrl, refreshUrl and openIdConnectUrl.',
    check(ctx, emit) {
      for (const [name, s] of Object.entries(ctx.spec.securitySchemes)) {
        if (s.openIdConnectUrl?.startsWith('http://') === true) emit(s.pointer, `\`${name}\` discovery URL ${s.openIdConnectUrl} is plain HTTP`);
        for (const [flow, f] of Object.entries(s.flows ?? {})) for (const u of [f.authorizationUrl, f.tokenUrl]) {
          if (u?.startsWith('http://') === true) emit(flowPointer(ctx.spec.version, s.pointer, flow), `\`${name}\` ${flow} flow uses plain-HTTP URL ${u}`);
        }
      }
    },
  },
  {
    id: 'GH-AUTH-014', title: 'Write operation requires no OAuth2 scope', severity: 'low', owasp: 'API5:2023',
    description: 'Any token, whatever it was granted for, may call a state-changing operation: no least privilege.',
    fix: 'Require a write scope (e.g. `orders:write`) on POST, PUT, PATCH and DELETE operations.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) {
        if (!WRITE_METHODS.has(op.method) || !hasSecurity(op)) continue;
        const oauthOnly = op.security.every((req) => Object.entries(req).some(([n]) => ctx.spec.securitySchemes[n]?.type === 'oauth2'));
        const noScopes = op.security.every((req) => Object.values(req).every((s) => s.length === 0));
        if (oauthOnly && noScopes) emit(op.pointer, `${op.method} ${op.path} accepts an OAuth2 token with any scope`);
      }
    },
  },
  {
    id: 'GH-AUTH-015', title: 'JWT scheme does not state RFC 8725 practices', severity: 'low', owasp: 'API2:2023',
    description: 'JWTs go wrong in known ways (alg none, algorithm confusion, missing audience); a scheme that issues them should say it follows the JWT BCP, RFC 8725.',
    fix: 'Follow RFC 8725 (algorithm allow-list, audience and issuer checks, explicit typ) and say so in the scheme\'s `description`; an OAuth2 scheme with opaque tokens can say that instead (suppress with the reason).',
    check(ctx, emit) {
      for (const [name, s] of Object.entries(ctx.spec.securitySchemes)) {
        const raw = ctx.raw.get(s.pointer);
        const description = isObject(raw) && typeof raw.description === 'string' ? raw.description : '';
        if (/RFC\s?8725/i.test(description)) continue;
        // A JWT bearer format and OpenID Connect (its ID tokens) are JWTs for certain; OAuth2 access tokens only may be.
        if ((s.type === 'http' && /jwt/i.test(s.bearerFormat ?? '')) || s.type === 'openIdConnect') emit(s.pointer, `security scheme \`${name}\` carries JWTs and does not mention RFC 8725`);
        else if (s.type === 'oauth2') emit(s.pointer, `OAuth2 scheme \`${name}\` may issue JWT access tokens and does not mention RFC 8725`, { confidence: 'low' });
      }
    },
  },
  {
    id: 'GH-AUTH-016', title: 'OAuth2 flow without refresh (long-lived access tokens)', severity: 'low', owasp: 'API2:2023',
    description: 'A flow that cannot refresh tokens pushes issuers towards long-lived access tokens, which live on after a leak (RFC 9700 §2.2.2).',
    fix: 'Declare `refreshUrl` on authorization-code and password flows and keep access tokens short-lived.',
    check(ctx, emit) {
      // 2.0 has no refreshUrl to declare; client credentials and implicit flows get no refresh token (RFC 6749 §4.4.3, §4.2.2).
      if (ctx.spec.version === '2.0') return;
      for (const [name, s] of Object.entries(ctx.spec.securitySchemes)) {
        if (s.type !== 'oauth2') continue;
        for (const flow of ['authorizationCode', 'password']) {
          const ptr = child(s.pointer, 'flows', flow);
          const f = ctx.raw.at(ptr).node;
          if (isObject(f) && (typeof f.refreshUrl !== 'string' || f.refreshUrl === '')) emit(ptr, `\`${name}\` ${flow} flow has no refreshUrl`);
        }
      }
    },
  },
  {
    id: 'GH-AUTH-017', title: 'Insecure HTTP authentication scheme', severity: 'medium', owasp: 'API2:2023',
    description: '`negotiate` (Kerberos/NTLM over HTTP) and OAuth 1.0 (`oauth`) are legacy schemes with known relay and signature weaknesses.',
    fix: 'Use OAuth 2.0 / OpenID Connect bearer tokens or mutual TLS.',
    check(ctx, emit) {
      for (const [name, s] of Object.entries(ctx.spec.securitySchemes)) {
        const scheme = s.scheme?.toLowerCase();
        if (s.type === 'http' && (scheme === 'negotiate' || scheme === 'oauth')) emit(s.pointer, `security scheme \`${name}\` uses HTTP \`${s.scheme ?? ''}\``);
      }
    },
  },
  {
    id: 'GH-AUTH-018', title: 'Admin operation shares its credentials with ordinary ones', severity: 'medium', owasp: 'API5:2023',
    description: 'When an admin operation accepts exactly the credential (scheme and scopes) that ordinary operations accept, any user may call it.',
    fix: 'Require an admin-only scope, role or scheme on administrative operations.',
    check(ctx, emit) {
      const key = (req: Readonly<Record<string, readonly string[]>>): string => Object.entries(req).map(([n, sc]) => `${n}[${[...sc].sort().join(' ')}]`).sort().join('&');
      const ordinary = new Set<string>();
      for (const op of ctx.spec.operations) if (!ADMIN_PATH.test(op.path)) for (const req of op.security) if (Object.keys(req).length > 0) ordinary.add(key(req));
      for (const op of ctx.spec.operations) {
        if (!ADMIN_PATH.test(op.path)) continue;
        const shared = op.security.filter((req) => Object.keys(req).length > 0 && ordinary.has(key(req)));
        if (shared.length === 0) continue;
        const own = ctx.raw.get(child(op.pointer, 'security'));
        emit(own === undefined ? op.pointer : child(op.pointer, 'security'), `${op.method} ${op.path} accepts the same credential as non-admin operations (${key(shared[0] ?? {})})`);
      }
    },
  },
];

function flowPointer(version: string, schemePtr: string, flow: string): string {
  return version === '2.0' ? schemePtr : child(schemePtr, 'flows', flow);
}
