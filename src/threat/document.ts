/**
 * Threats of the whole API rather than one operation: its servers and the security schemes its
 * operations use. A scheme no operation uses opens nothing and yields nothing.
 */
import { RawDoc } from '../audit/raw.js';
import { hostOf, serverRefs } from '../audit/rules/util.js';
import { MAX_CITED, type Draft } from './derive.js';
import type { DocumentFacts } from './facts.js';
import type { Evidence } from './types.js';

/** Threats of the document rather than one operation: its servers and security schemes. */
export function deriveDocument(doc: DocumentFacts, ev: (pointer: string, says: string) => Evidence): Draft[] {
  const spec = doc.spec;
  const out: Draft[] = [];
  const raw = new RawDoc(spec.raw);
  const plain = serverRefs(raw, spec.versionString).filter((s) => s.url.toLowerCase().startsWith('http://') && !isLoopback(hostOf(s.url)));
  if (plain.length > 0) {
    out.push({
      id: 'TM-TRANSPORT-HTTP', stride: 'I', owasp: 'API8:2023', severity: 'high',
      title: 'The API is served over plain HTTP: credentials and data can be read and changed on the way',
      because: plain.slice(0, MAX_CITED).map((s) => ev(s.pointer, `server ${s.url}`)),
      remedy: 'Serve only HTTPS: an `https` listener on the gateway (`listen.https`) and no plain `listen.http` facing clients; https server URLs in the spec.',
      auditRules: ['GH-TLS-001', 'GH-AUTH-006'], scanChecks: ['misconfig'], fields: [],
    });
  }
  const used = new Set(doc.operations.flatMap((o) => o.security.requirements.flatMap((r) => Object.keys(r))));
  for (const [name, scheme] of Object.entries(spec.securitySchemes)) {
    if (!used.has(name)) continue;
    const at = ev(scheme.pointer, `security scheme \`${name}\`: ${scheme.type}${scheme.scheme === undefined ? '' : ` ${scheme.scheme}`}${scheme.in === undefined ? '' : ` in ${scheme.in}${scheme.name === undefined ? '' : ` \`${scheme.name}\``}`}`);
    if (scheme.type === 'apiKey' && (scheme.in === 'query' || scheme.in === 'cookie')) {
      out.push({
        id: 'TM-SCHEME-KEY-IN-URL', stride: 'I', owasp: 'API2:2023', severity: scheme.in === 'query' ? 'high' : 'medium',
        title: `API keys travel in the ${scheme.in} (${name}): they leak into logs, history and referrers`,
        because: [at],
        remedy: 'Send keys in a header (`in: header`); the gateway removes Gatehouse keys before the upstream (`policies.authentication.hideCredentials`), not from logs on the way.',
        auditRules: ['GH-AUTH-004'], scanChecks: [], fields: [],
      });
    }
    const bearer = scheme.type === 'oauth2' || scheme.type === 'openIdConnect' || (scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer');
    if (bearer) {
      out.push({
        id: 'TM-SCHEME-TOKEN', stride: 'S', owasp: 'API2:2023', severity: 'high',
        title: `Forged or replayed bearer tokens (${name}): alg none, a guessable HMAC secret, another audience, a token that never expires`,
        because: [at],
        remedy: 'Verify tokens at the gateway against a trusted issuer: `identity.issuers` with an algorithm allow-list, an audience and `maxTokenLifetime` (or `identity.introspection`).',
        auditRules: ['GH-AUTH-013'], scanChecks: ['jwt', 'auth'], fields: [],
      });
    }
    if (scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'basic') {
      out.push({
        id: 'TM-SCHEME-BASIC', stride: 'S', owasp: 'API2:2023', severity: 'medium',
        title: `Passwords on every request (${name}: HTTP Basic): each call is a chance to steal or guess them`,
        because: [at],
        remedy: 'Replace Basic with tokens or keys; the gateway refuses requirements it cannot check (Basic) rather than pass them through.',
        auditRules: ['GH-AUTH-006', 'GH-AUTH-007'], scanChecks: ['auth'], fields: [],
      });
    }
    for (const flow of ['implicit', 'password'] as const) {
      if (scheme.type === 'oauth2' && scheme.flows?.[flow] !== undefined) {
        out.push({
          id: 'TM-SCHEME-FLOW', stride: 'S', owasp: 'API2:2023', severity: 'high',
          title: flow === 'implicit' ? `Tokens in redirect URLs (${name}: OAuth2 implicit flow)` : `Clients handle user passwords (${name}: OAuth2 password flow)`,
          // Swagger 2.0 writes one `flow: implicit`; OpenAPI 3 a `flows` object keyed by flow.
          because: [raw.get(`${scheme.pointer}/flows/${flow}`) !== undefined ? ev(`${scheme.pointer}/flows/${flow}`, `OAuth2 ${flow} flow`) : ev(`${scheme.pointer}/flow`, `OAuth2 flow: ${flow}`)],
          remedy: 'Use the authorization code flow with PKCE (OAuth 2.0 Security BCP, RFC 9700); no gateway setting changes how clients obtain tokens.',
          auditRules: [flow === 'implicit' ? 'GH-AUTH-008' : 'GH-AUTH-009'], scanChecks: [], fields: [],
        });
      }
    }
  }
  return out;
}

function isLoopback(host: string | undefined): boolean {
  return host === undefined || host === 'localhost' || host.startsWith('127.') || host === '[::1]';
}
