import { mkdtempSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatehouse } from './run.js';

/*
 * Every command with a malformed argument: a message that names the argument or the input, the
 * exit code docs/cli.md gives for it, and never a stack trace. Each row was run against the
 * command before its fix where one was needed (a silent default, a generic exit 1, a stack).
 */
const spec = fileURLToPath(new URL('../inventory/fixtures/shop.yaml', import.meta.url));
const osv = fileURLToPath(new URL('../supply/fixtures/osv', import.meta.url));
const app = fileURLToPath(new URL('../supply/fixtures/app', import.meta.url));
// Made when the file is collected: the rows' command lines (and the test names) use it.
const dir = mkdtempSync(path.join(tmpdir(), 'gh-cli-args-'));
const config = path.join(dir, 'g.yaml');
const redisDown = path.join(dir, 'down.yaml');

beforeAll(async () => {
  const api = ['apis:', '  - name: shop', `    spec: ${spec}`, '    upstream: { url: "http://127.0.0.1:1" }'];
  await writeFile(config, ['version: "1"', 'store: { sqlite: { path: gh.db } }', ...api].join('\n'));
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  await writeFile(redisDown, ['version: "1"', 'store: { redis: { url: "redis://127.0.0.1:1" } }', ...api].join('\n'));
  await mkdir(path.join(dir, 'folder'));
});

const STACK = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;

type Row = [args: () => string[], code: 1 | 2, message: RegExp];

const ROWS: Row[] = [
  [() => ['no-such-command'], 2, /unknown command 'no-such-command'/],
  [() => ['start', '--config', path.join(dir, 'missing.yaml')], 1, /missing\.yaml: 1 error\(s\)\n.*cannot read the file \(ENOENT\)/],
  [() => ['demo', '--port', 'eighty'], 2, /--port <port>.*'eighty' is invalid/],
  [() => ['demo', '--log-level', 'loud'], 2, /--log-level <level>.*'loud' is invalid.*Allowed choices are trace, debug/],
  [() => ['token', '--ttl', 'forever'], 2, /--ttl: "forever" is not a duration/],
  [() => ['token', '--key', path.join(dir, 'folder')], 2, /signing key file .*folder cannot be read \(EISDIR\)/],
  [() => ['keys', 'list', '--config', config, '--format', 'xml'], 2, /--format <format>.*'xml' is invalid.*text, json/],
  [() => ['keys', 'create', '--config', config], 2, /required option '--name <name>'/],
  [() => ['keys', 'create', '--name', 'ci', '--config', config, '--expires', '-5d'], 2, /--expires: "-5d" is not a duration/],
  [() => ['keys', 'rotate', 'k1', '--config', config, '--overlap', 'soon'], 2, /--overlap: "soon" is not a duration/],
  [() => ['keys', 'list', '--config', redisDown], 1, /down\.yaml: the store does not answer \(redis: .*\)/],
  [() => ['audit-log', '--config', config, '--format', 'xml'], 2, /--format <format>.*'xml' is invalid/],
  [() => ['audit-log', '--config', config, '--limit', '0'], 2, /--limit must be a whole number from 1 to 10000/],
  [() => ['audit-log', '--config', config, '--since', 'yesterday'], 2, /--since: "yesterday" is neither a duration/],
  [() => ['audit', spec, '--format', 'pdf'], 2, /--format must be one of text, json, sarif, junit \(got "pdf"\)/],
  [() => ['audit', spec, '--min-score', 'x'], 2, /--min-score must be a number from 0 to 100/],
  [() => ['check-config', config, '--min-score', 'abc'], 2, /--min-score: "abc" must be a whole number from 0 to 100/],
  [() => ['audit', spec, '--rules', path.join(dir, 'missing.yaml')], 2, /missing\.yaml[\s\S]*cannot read rules file/],
  [() => ['sbom', '--self', '--output', path.join(dir, 'no', 'such', 'sbom.json')], 2, /--output .*sbom\.json: cannot write \(ENOENT\)/],
  [() => ['sbom', app, '--spec-version', '9'], 2, /--spec-version must be one of 1\.5, 1\.6 \(got "9"\)/],
  [() => ['deps', app], 2, /required option '--db <path>'/],
  [() => ['deps', app, '--db', path.join(dir, 'missing-db')], 2, /missing-db: vulnerability database not found/],
  [() => ['deps', app, '--db', osv, '--fail-on', 'huge'], 2, /--fail-on must be one of low, moderate, high, critical/],
  [() => ['deps', app, '--db', osv, '--ignore-file', path.join(dir, 'missing.yaml')], 2, /missing\.yaml: ENOENT/],
  [() => ['deps', app, '--db', path.join(dir, 'fresh-db'), '--update-db', path.join(dir, 'missing.zip')], 2, /--update-db .*missing\.zip: not found/],
  [() => ['secrets', 'list', '--format', 'xml', '--store', path.join(dir, 's.json')], 2, /--format must be text or json \(got "xml"\)/],
  [() => ['secrets', 'get', 'x', '--version', 'two', '--store', path.join(dir, 's.json')], 2, /--version must be a positive integer \(got "two"\)/],
  [() => ['secrets', 'get', 'x', '--store', path.join(dir, 'folder')], 2, /--store .*folder: cannot read or write \(EISDIR\)/],
  [() => ['secrets', 'set', 'x', '--from-file', path.join(dir, 'missing.txt'), '--store', path.join(dir, 's.json')], 2, /--from-file .*missing\.txt: cannot read/],
  [() => ['secrets', 'rotate', 'x', '--overlap', 'a while', '--store', path.join(dir, 's.json')], 2, /--overlap must be a duration/],
  [() => ['inventory', '--config', config, '--since', 'last week'], 2, /--since: "last week" is not a duration/],
  [() => ['inventory', '--config', config, '--format', 'xml'], 2, /--format must be one of text, json, csv/],
  [() => ['inventory', '--config', path.join(dir, 'missing.yaml')], 2, /missing\.yaml: 1 error\(s\)/],
  [() => ['inventory', 'ingest', path.join(dir, 'missing.log'), '--config', config], 2, /missing\.log: cannot read \(ENOENT\)/],
  [() => ['inventory', 'ingest', path.join(dir, 'folder'), '--config', config], 2, /folder: cannot read \(EISDIR\)/],
  [() => ['inventory', 'ingest', spec, '--config', config, '--log-format', 'apache'], 2, /--log-format must be auto, nginx or har/],
  [() => ['inventory', 'export-spec', '--config', config, '--out', path.join(dir, 'no', 'such', 'x.yaml')], 2, /--out .*x\.yaml: cannot write \(ENOENT\)/],
  [() => ['inventory', 'export-spec', '--config', config, '--since', '-1h'], 2, /--since: "-1h" is not a duration/],
  [() => ['alerts', '--config', config, '--limit', 'lots'], 2, /--limit: "lots" must be a whole number/],
  [() => ['alerts', '--config', config, '--limit', '1e2'], 2, /--limit: "1e2" must be a whole number/],
  [() => ['alerts', '--config', config, '--format', 'xml'], 2, /--format must be text or json/],
  [() => ['alerts', '--config', config, '--type', 'meteor'], 2, /--type must be one of rateSpike/],
  [() => ['alerts', '--config', redisDown], 1, /the store does not answer/],
  [() => ['revocations', 'list', '--config', config, '--format', 'xml'], 2, /--format <format>.*'xml' is invalid/],
  [() => ['revocations', 'add', 'ip', '203.0.113.1', '--config', config, '--throttle', '1.5'], 2, /--throttle: "1\.5" must be a whole number/],
  [() => ['revocations', 'add', 'ip', '203.0.113.1', '--config', config, '--for', 'ever'], 2, /--for: "ever" is not a duration/],
  [() => ['revocations', 'add', 'host', 'x', '--config', config], 2, /KIND must be one of ip, subject, credential, jti \(got "host"\)/],
  [() => ['revocations', 'remove', 'ip', 'zz', '--config', config], 2, /"zz" is not an IPv4 or IPv6 address or CIDR range/],
  [() => ['scan', '--spec', path.join(dir, 'missing.yaml'), '--target', 'http://127.0.0.1:1'], 2, /missing\.yaml: file does not exist/],
  [() => ['detect', '--input', path.join(dir, 'missing.jsonl')], 2, /cannot read .*missing\.jsonl/],
];

describe('malformed arguments, command by command', () => {
  // Named by the command line with folders left out: gatehouse alerts --limit lots
  const label = (argv: string[]): string => argv.map((a) => (a.includes(path.sep) ? path.basename(a) : a)).join(' ');
  it.each(ROWS.map((row) => [label(row[0]()), row] as const))('%s', async (_name, [args, code, message]) => {
    const argv = args();
    process.env.GATEHOUSE_SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');
    try {
      const r = await gatehouse(...argv);
      expect(r.err, argv.join(' ')).toMatch(message);
      expect(r.code, `${argv.join(' ')}: ${r.err}`).toBe(code);
      expect(r.err).not.toMatch(STACK);
      expect(r.out).toBe('');
    } finally {
      delete process.env.GATEHOUSE_SECRETS_KEY;
    }
  });
});
