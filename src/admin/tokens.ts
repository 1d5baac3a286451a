import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { KeyValue } from '../store/index.js';
import { bearerToken, sha256, type AdminAuthenticator, type AdminPrincipal } from './auth.js';

/**
 * Role-based admin tokens. Each role includes the ones before it: a viewer reads; an operator
 * also acknowledges alerts, blocks and unblocks, revokes and restores; an admin also manages API
 * keys and admin tokens.
 */
export const ADMIN_ROLES = ['viewer', 'operator', 'admin'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export interface AdminTokenRecord {
  readonly id: string;
  readonly role: AdminRole;
  /** Who or what holds the token: shown in listings and in the decision trail. */
  readonly name: string;
  /** sha256 of the whole token, hex: the token itself is shown once and never stored. */
  readonly hash: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly revokedAt?: number;
  readonly revokedBy?: string;
}

export type AdminTokenInfo = Omit<AdminTokenRecord, 'hash'> & { readonly status: 'active' | 'revoked' };

const PREFIX = 'admin-token:';
/**
 * `gha_<id>_<secret>`: the prefix lets secret scanners (and people) recognise a leaked admin
 * token; the id finds the record without a scan; 32 random bytes cannot be guessed.
 */
const TOKEN = /^gha_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** The roles a principal of `role` holds: its own and every one below it. */
export function rolesOf(role: AdminRole): ReadonlySet<string> {
  return new Set(ADMIN_ROLES.slice(0, ADMIN_ROLES.indexOf(role) + 1));
}

/**
 * Whether a principal may act as `role`. `admin.auth` principals hold `admin` alone, which
 * includes everything below it.
 */
export function holdsRole(principal: AdminPrincipal, role: AdminRole): boolean {
  const needed = ADMIN_ROLES.indexOf(role);
  for (const held of principal.roles) {
    const rank = ADMIN_ROLES.indexOf(held as AdminRole);
    if (rank >= needed) return true;
  }
  return false;
}

/** Admin tokens in the store's kv: every gateway sharing the store accepts and revokes the same tokens. */
export class AdminTokenStore {
  constructor(private readonly kv: KeyValue, private readonly now: () => number = Date.now) {}

  async create(options: { role: AdminRole; name: string; by: string }): Promise<{ token: string; info: AdminTokenInfo }> {
    const id = randomBytes(8).toString('hex');
    const token = `gha_${id}_${randomBytes(32).toString('base64url')}`;
    const record: AdminTokenRecord = { id, role: options.role, name: options.name, hash: sha256(token).toString('hex'), createdAt: this.now(), createdBy: options.by };
    if (!await this.kv.setIfAbsent(PREFIX + id, JSON.stringify(record))) throw new Error('admin token id collision; try again');
    return { token, info: info(record) };
  }

  async list(): Promise<AdminTokenInfo[]> {
    const entries = await this.kv.list(PREFIX, 10_000);
    return entries.map((e) => parse(e.value)).filter((r): r is AdminTokenRecord => r !== undefined).map(info);
  }

  /** False when there is no such token or it was already revoked. */
  async revoke(id: string, by: string): Promise<boolean> {
    const record = parse(await this.kv.get(PREFIX + id) ?? '');
    if (record === undefined || record.revokedAt !== undefined) return false;
    await this.kv.set(PREFIX + id, JSON.stringify({ ...record, revokedAt: this.now(), revokedBy: by } satisfies AdminTokenRecord));
    return true;
  }

  /** The principal a presented token stands for, or undefined (malformed, unknown, forged or revoked). */
  async verify(token: string): Promise<AdminPrincipal | undefined> {
    const m = TOKEN.exec(token);
    if (m === null) return undefined;
    const record = parse(await this.kv.get(PREFIX + (m[1] as string)) ?? '');
    if (record === undefined) return undefined;
    const stored = Buffer.from(record.hash, 'hex');
    const ok = stored.length === 32 && timingSafeEqual(sha256(token), stored);
    if (!ok || record.revokedAt !== undefined) return undefined;
    return { kind: 'token', id: `admin-token:${record.id} (${record.name})`, roles: rolesOf(record.role) };
  }

  /** `Authorization: Bearer gha_…`, checked against the store on every request (a revocation applies at once). */
  authenticator(): AdminAuthenticator {
    return (req: IncomingMessage) => {
      const presented = bearerToken(req);
      if (presented === undefined || !presented.startsWith('gha_')) return undefined;
      return this.verify(presented);
    };
  }
}

function info(record: AdminTokenRecord): AdminTokenInfo {
  const { hash: _hash, ...rest } = record;
  return { ...rest, status: record.revokedAt === undefined ? 'active' : 'revoked' };
}

function parse(json: string): AdminTokenRecord | undefined {
  try {
    const v = JSON.parse(json) as AdminTokenRecord;
    return typeof v === 'object' && v !== null && typeof v.hash === 'string' && (ADMIN_ROLES as readonly string[]).includes(v.role) ? v : undefined;
  } catch {
    return undefined;
  }
}
