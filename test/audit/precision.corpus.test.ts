import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditFile } from '../../src/audit/engine.js';
import type { DocumentReport } from '../../src/audit/types.js';

/**
 * `npm run test:corpus`: the false positives issue 19 found on GitHub's REST description stay
 * gone, and the true positives beside them stay found. A missing corpus fails, it does not skip.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.resolve(repoRoot, '../shared/corpora/specs/openapi-3.0');
const github = path.join(corpus, 'github__api.github.com.json');

describe('precision of name-based rules on GitHub\'s REST description', () => {
  let r: DocumentReport;
  beforeAll(async () => {
    expect(existsSync(github), `corpus spec not found at ${github}`).toBe(true);
    r = await auditFile(github);
  }, 120_000);
  const names = (ruleId: string): string[] => r.findings.filter((f) => f.ruleId === ruleId).map((f) => f.pointer.split('/').pop() ?? '');

  it('flags and permission enums are not secrets; a webhook secret string is', () => {
    const data = names('GH-DATA-001');
    for (const quiet of ['verifiable_password_authentication', 'dependabot_secrets', 'secret_scanning']) expect(data, quiet).not.toContain(quiet);
    expect(data).toContain('webhook_secret');
  });

  it('no stack trace on an object `stack`, no debug endpoint at /hooks/{id}/tests', () => {
    expect(names('GH-DATA-006')).not.toContain('stack');
    expect(r.findings.filter((f) => f.ruleId === 'GH-OP-005' && f.message.includes('/tests'))).toEqual([]);
  });

  it('no HIGH credential finding on a query parameter called `key`', () => {
    const keys = r.findings.filter((f) => f.ruleId === 'GH-AUTH-005' && f.message.includes('`key`'));
    expect(keys).toEqual([]);
  });

  it('no mass-assignment finding on an allOf member', () => {
    expect(r.findings.filter((f) => f.ruleId === 'GH-INPUT-004' && /\/allOf\/\d+$/.test(f.pointer))).toEqual([]);
  });
});

describe('precision on other corpus specs', () => {
  it('company secretaries (a list of names) are not secrets', async () => {
    const r = await auditFile(path.join(corpus, 'apisguru2020__brex.io__1.0.0.yaml'));
    expect(r.findings.filter((f) => f.ruleId === 'GH-DATA-001' && f.pointer.endsWith('/secretaries'))).toEqual([]);
  });

  it('a `key` query parameter described as the API key is still a credential in the URL', async () => {
    const r = await auditFile(path.join(corpus, 'apisguru2020__mailboxvalidator.com__checker__1.0.0.yaml'));
    expect(r.findings.filter((f) => f.ruleId === 'GH-AUTH-005' && f.message.includes('`key`')).length).toBeGreaterThan(0);
  });
});
