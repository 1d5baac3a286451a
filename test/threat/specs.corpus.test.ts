import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RawDoc } from '../../src/audit/raw.js';
import { parseConfig } from '../../src/config/index.js';
import { loadSpec } from '../../src/openapi/index.js';
import { buildThreatModel, formatHtml, formatJson, formatMarkdown, type Threat, type ThreatModel } from '../../src/threat/index.js';
import { specWith, threatIds, threatOn, type Doc } from '../../src/threat/testing.js';

/**
 * `npm run test:corpus`: the threat model over real specs written by others (../shared/corpora),
 * in styles unlike the repository's own: Swagger 2.0 with implicit OAuth2 and keys in the query,
 * OpenAPI 3.0 with `$ref`'d parameters and string ids, 3.1 with shared components. A missing
 * corpus fails this suite.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.resolve(repoRoot, '../shared/corpora/specs');
const file = (name: string): string => path.join(corpus, name);

const INSTAGRAM = file('swagger-2.0/apisguru2020__instagram.com__1.0.0.yaml');
const WHATSAPP = file('openapi-3.0/apisguru2020__whatsapp.local__1.0.yaml');
const BREX = file('openapi-3.0/apisguru2020__brex.io__1.0.0.yaml');
const MUSEUM = file('openapi-3.1/redocly-museum__openapi.yaml');

function specsUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return specsUnder(p);
    return /\.(ya?ml|json)$/i.test(name) ? [p] : [];
  });
}

/** The corpus spec with one change: parsed, changed, loaded under its own name. */
const corpusWith = (f: string, change: (d: Doc) => void): ThreatModel => buildThreatModel(specWith(change, readFileSync(f, 'utf8'), f));
const documentIds = (m: ThreatModel): string[] => m.document.map((t) => t.id);

describe('threat model over the shared corpus of real-world specs', () => {
  it('finds the corpus (a missing corpus fails, it does not skip)', () => {
    expect(existsSync(corpus), `corpus not found at ${corpus}`).toBe(true);
  });

  it('models every spec: every operation ranked, every threat citing places that exist in the document', { timeout: 600_000 }, async () => {
    const files = specsUnder(corpus);
    expect(files.length).toBeGreaterThan(100);
    let threats = 0;
    for (const f of files) {
      const spec = await loadSpec(f);
      const model = buildThreatModel(spec);
      expect(model.operations.length, f).toBe(spec.operations.length);
      const risks = model.operations.map((o) => o.risk);
      expect(risks, f).toEqual([...risks].sort((a, b) => b - a));
      const raw = new RawDoc(spec.raw);
      const check = (t: Threat, where: string): void => {
        expect(t.because.length, `${f} ${where} ${t.id}`).toBeGreaterThan(0);
        for (const e of t.because) {
          if (e.file !== spec.file) continue; // a $ref into another file: cited in that file
          expect(raw.get(e.pointer), `${f} ${where} ${t.id} ${e.pointer}`).toBeDefined();
        }
      };
      for (const t of model.document) check(t, 'document');
      for (const o of model.operations) {
        expect(new Set(o.threats.map((t) => t.id)).size, `${f} ${o.id}`).toBe(o.threats.length);
        for (const t of o.threats) check(t, o.id);
      }
      threats += model.totals.threats;
    }
    expect(threats).toBeGreaterThan(1000);
  });

  it('Swagger 2.0 (Instagram): the implicit flow and the key in the query, each gone with its fact', () => {
    const m = buildThreatModel(specWith(() => {}, readFileSync(INSTAGRAM, 'utf8'), INSTAGRAM));
    expect(m.document.find((t) => t.id === 'TM-SCHEME-FLOW')?.because[0]?.pointer).toBe('/securityDefinitions/instagram_auth/flow');
    expect(m.document.find((t) => t.id === 'TM-SCHEME-KEY-IN-URL')?.because[0]?.pointer).toBe('/securityDefinitions/api_key');
    expect(documentIds(corpusWith(INSTAGRAM, (d) => { d.securityDefinitions.instagram_auth.flow = 'accessCode'; d.securityDefinitions.instagram_auth.tokenUrl = 'https://api.instagram.com/oauth/token'; }))).not.toContain('TM-SCHEME-FLOW');
    expect(documentIds(corpusWith(INSTAGRAM, (d) => { d.securityDefinitions.api_key.in = 'header'; }))).not.toContain('TM-SCHEME-KEY-IN-URL');
    const media = m.operations.find((o) => o.path === '/users/{user-id}/media/recent');
    expect(media?.threats.find((t) => t.id === 'TM-BOLA-READ')?.because[0]?.says).toMatch(/`user-id`/);
  });

  it('OpenAPI 3.0 (WhatsApp): password guessing at login and plain HTTP, each gone with its fact', () => {
    const m = buildThreatModel(specWith(() => {}, readFileSync(WHATSAPP, 'utf8'), WHATSAPP));
    expect(threatIds(m, 'LoginUser')).toContain('TM-AUTHN-GUESS');
    const login = (d: Doc): Doc => {
      const item = Object.values(d.paths as Record<string, Doc>).find((i) => i.post?.operationId === 'LoginUser') as Doc;
      const body = item.post.requestBody;
      return body.$ref === undefined ? body : d.components.requestBodies[String(body.$ref).split('/').pop() as string];
    };
    const noPassword = corpusWith(WHATSAPP, (d) => {
      const schema = login(d).content['application/json'].schema;
      const target = schema.$ref === undefined ? schema : d.components.schemas[String(schema.$ref).split('/').pop() as string];
      delete target.properties.new_password;
      delete target.properties.password;
    });
    expect(threatIds(noPassword, 'LoginUser')).not.toContain('TM-AUTHN-GUESS');
    expect(m.document.find((t) => t.id === 'TM-TRANSPORT-HTTP')?.because[0]?.pointer).toBe('/servers/0/url');
    expect(documentIds(corpusWith(WHATSAPP, (d) => { d.servers = d.servers.map((s: Doc) => ({ ...s, url: String(s.url).replace(/^http:/, 'https:') })); }))).not.toContain('TM-TRANSPORT-HTTP');
  });

  it('OpenAPI 3.1 (Redocly museum): a price the caller sets, gone once the spec makes it read-only', () => {
    const m = buildThreatModel(specWith(() => {}, readFileSync(MUSEUM, 'utf8'), MUSEUM));
    expect(threatOn(m, 'updateSpecialEvent', 'TM-MASS-PRIVILEGED')?.because.map((e) => e.pointer)).toContain('/components/schemas/SpecialEventFields/properties/price');
    expect(threatOn(m, 'getSpecialEvent', 'TM-BOLA-READ')?.because[0]?.pointer).toBe('/components/parameters/EventId');
    const readOnly = corpusWith(MUSEUM, (d) => { d.components.schemas.SpecialEventFields.properties.price.readOnly = true; });
    expect(threatIds(readOnly, 'updateSpecialEvent')).not.toContain('TM-MASS-PRIVILEGED');
    expect(threatIds(readOnly, 'updateSpecialEvent')).toContain('TM-MASS-READONLY');
    expect(m.document.map((t) => t.id)).toEqual(['TM-SCHEME-BASIC']);
  });

  it('a gateway config in front of a corpus spec (Brex): an objectAuth rule on orderId guards those operations only', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gh-threat-corpus-'));
    const config = await parseConfig([
      'version: "1"',
      'apis:',
      `  - name: brex`,
      `    spec: ${JSON.stringify(BREX)}`,
      '    upstream: { url: "http://127.0.0.1:1" }',
      '    policies:',
      '      objectAuth:',
      '        rules: [{ param: path.orderId, claim: sub }]',
      '      injection: { mode: enforce }',
    ].join('\n'), path.join(dir, 'gatehouse.yaml'), { env: {} });
    const m = buildThreatModel(await loadSpec(BREX), { config });
    const bola = m.operations.flatMap((o) => o.threats.filter((t) => t.id === 'TM-BOLA-READ').map((t) => ({ path: o.path, status: t.mitigation.status })));
    const byOrder = bola.filter((b) => b.path.includes('{orderId}'));
    expect(byOrder.length).toBeGreaterThan(0);
    expect(byOrder.every((b) => b.status === 'mitigated')).toBe(true);
    expect(bola.filter((b) => !b.path.includes('{orderId}')).every((b) => b.status === 'none')).toBe(true);
    const injection = m.operations.flatMap((o) => o.threats.filter((t) => t.id === 'TM-INJECTION'));
    expect(injection.length).toBeGreaterThan(0);
    expect(injection.every((t) => t.mitigation.status === 'mitigated')).toBe(true);
    // The three formats of the same model, from a spec nobody here wrote.
    expect(JSON.parse(formatJson(m))).toEqual(JSON.parse(JSON.stringify(m)));
    expect(formatMarkdown(m, dir)).toMatch(/^# Threat model: /);
    const html = formatHtml(m, dir);
    writeFileSync(path.join(dir, 'brex.html'), html);
    expect(html).not.toMatch(/<script|<img|<link|src=/i);
  });
});
