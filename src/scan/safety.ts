/**
 * Safe by default: operations the scan leaves alone unless told otherwise, and what each check
 * needs to run. A scan that drops and recreates the target's database on a GET logs its own
 * identities out and tests nothing after that; one that calls it 75 times does worse.
 */
import type { Operation } from '../openapi/index.js';
import { isPrivileged } from './auth.js';
import type { CheckId, Identity } from './types.js';

export interface SafetyOptions {
  /** `--exclude`: operation ids, operationIds or `METHOD /path`. */
  readonly exclude?: readonly string[];
  /** `--include-destructive`: also operations whose name says they reset or wipe state. */
  readonly includeDestructive?: boolean;
  /** `--skip-destructive`: also leave out DELETE operations. */
  readonly skipDelete?: boolean;
}

/** Words that mean "throw the state away" in a path or an operationId. */
const DESTRUCTIVE = new Set(['reset', 'resets', 'init', 'initialize', 'initialise', 'initdb', 'reinit', 'reinitialize', 'seed', 'reseed', 'drop', 'purge', 'wipe', 'truncate', 'createdb', 'dropdb', 'resetdb', 'cleardb', 'nuke']);
/** A reset of these is a user's own flow (password reset), not a reset of the service. */
const USER_FLOW = new Set(['password', 'passwords', 'passwd', 'pwd', 'pin', 'email', 'credentials', 'mfa', 'otp', '2fa', 'token']);
const DATABASE = new Set(['database', 'databases', 'db', 'schema', 'tables']);

/** `createDatabase`, `/admin/reset-db`, `init_data` -> lower-case words. */
export function words(s: string): string[] {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/** Why an operation's name says it destroys state, or undefined. DELETE is judged by its method instead. */
export function destructiveName(op: Operation): string | undefined {
  if (op.method === 'DELETE') return undefined;
  for (const source of [op.path.replace(/\{[^}]*\}/g, ''), op.operationId ?? '']) {
    const w = words(source);
    for (let i = 0; i < w.length; i++) {
      const word = w[i] as string;
      const next = w[i + 1];
      const prev = w[i - 1];
      if (DESTRUCTIVE.has(word)) {
        if ((word === 'reset' || word === 'resets') && ((next !== undefined && USER_FLOW.has(next)) || (prev !== undefined && USER_FLOW.has(prev)))) continue;
        return `"${source}" says ${word}`;
      }
      if ((word === 'create' || word === 'recreate') && next !== undefined && DATABASE.has(next)) return `"${source}" says ${word} ${next}`;
    }
  }
  return undefined;
}

/** Why the scan leaves an operation out, or undefined when it is scanned. */
export function skipReason(op: Operation, options: SafetyOptions): string | undefined {
  const names = [op.id, op.operationId, `${op.method} ${op.path}`];
  if (options.exclude?.some((n) => names.includes(n)) === true) return 'excluded by --exclude';
  const mark = op.extensions['x-gatehouse-scan'];
  if (mark === 'skip' || mark === false || (typeof mark === 'object' && mark !== null && (mark as { skip?: unknown }).skip === true)) return 'marked x-gatehouse-scan: skip in the spec';
  if (options.skipDelete === true && op.method === 'DELETE') return 'destructive (DELETE) skipped by --skip-destructive';
  const destructive = options.includeDestructive === true ? undefined : destructiveName(op);
  if (destructive !== undefined) return `destructive by its name (${destructive}); --include-destructive scans it`;
  return undefined;
}

/** What each selected check needs and the identities given lack: said in the dry run and the report. */
export function prerequisites(checks: readonly CheckId[], identities: readonly Pick<Identity, 'name'>[]): string[] {
  const out: string[] = [];
  const users = identities.filter((i) => !isPrivileged(i));
  if (checks.includes('bola') && users.length < 2) {
    out.push(`bola: needs two non-admin identities (--auth or --login twice; names with admin, root, super or staff count as admins); ${users.length === 0 ? 'none' : `only "${users[0]?.name ?? ''}"`} given, so it will be skipped`);
  }
  if (checks.includes('bfla') && users.length === 0) out.push('bfla: needs a non-admin identity; it will be skipped');
  if (checks.includes('auth') && identities.length === 0) out.push('auth: without an identity only requests without credentials are tried (forged tokens need a real one to forge from)');
  return out;
}
