/**
 * What the scan has learned that makes requests reach the code: the user's `--param`s, values
 * OpenAPI links carry from one answer to the next operation, each identity's profile (ids, names,
 * emails), and field values seen in successful answers, by who saw them.
 */
import type { Operation } from '../openapi/index.js';
import type { RequestValues } from './request.js';
import type { Identity, ScanResponse } from './types.js';
import {
  evaluate, linkParam, linksFor, linkTarget, ownValue, Profile, setNamed, slotsOf, type UserParam,
} from './values.js';

const GENERIC = /^(id|_id|uuid|key|name|slug)$/i;

interface Learned { readonly owner: string | undefined; readonly value: string | number }

/** Paths whose answer describes the caller: `/me`, `/users/me`, `/profile`, `/whoami`, `/account`. */
const SELF_PATH = /\/(me|self|whoami|profile|account|current[-_]?user|userinfo)$/i;

export class KnownValues {
  private readonly linked = new Map<string, { owner: string | undefined; slot: string | undefined; name: string; value: unknown }[]>();
  private readonly learned = new Map<string, Learned[]>();
  readonly profiles = new Map<string, Profile>();

  constructor(private readonly params: readonly UserParam[], private readonly ops: readonly Operation[]) {}

  /** Starts an identity's profile from its token's claims and what it logged in with. */
  addIdentity(identity: Identity, loginBody?: unknown): void {
    this.profiles.set(identity.name, Profile.of(identity, loginBody));
  }

  profile(name: string | undefined): Profile | undefined {
    return name === undefined ? undefined : this.profiles.get(name);
  }

  /** The user's values, pinned: they override every other source. */
  userValues(op: Operation, values: RequestValues): RequestValues {
    let out = values;
    // Global ones first, so `op:name=` for this operation wins over `name=`.
    for (const p of this.params) if (p.operation === undefined) out = setNamed(op, out, p.name, p.raw);
    for (const p of this.params) if (p.operation === op.id || p.operation === op.operationId) out = setNamed(op, out, p.name, p.raw);
    return out;
  }

  /** Values for the inputs that name the acting identity (`userId` = its `sub`). */
  ownValues(op: Operation, values: RequestValues, owner: string | undefined): RequestValues {
    const profile = this.profile(owner);
    if (profile === undefined) return values;
    let out = values;
    for (const name of new Set([...Object.keys(values.path), ...op.parameters.map((p) => p.name)])) {
      for (const { schema } of slotsOf(op, name)) {
        const v = ownValue(op, name, schema, profile);
        if (v !== undefined) { out = setNamed(op, out, name, v, true); break; }
      }
    }
    return out;
  }

  /** Values links and earlier answers give for this operation's inputs (the owner's own first). */
  seenValues(op: Operation, values: RequestValues, owner: string | undefined): RequestValues {
    let out = values;
    for (const p of op.parameters) {
      // A bare `id` names a different thing in every answer: resources.ts pairs those by collection.
      if (p.in !== 'path' || GENERIC.test(p.name)) continue;
      const pool = this.learned.get(p.name) ?? [];
      const pick = pool.find((l) => l.owner === owner) ?? pool[0];
      if (pick !== undefined) out = setNamed(op, out, p.name, pick.value, true);
    }
    const links = this.linked.get(op.id) ?? [];
    for (const l of [...links.filter((x) => x.owner !== owner), ...links.filter((x) => x.owner === owner)]) {
      if (l.slot === 'body') out = { ...out, body: l.value };
      else out = setNamed(op, out, l.name, l.value, true);
    }
    return out;
  }

  /** Learns from a successful exchange: link values, field values, and who the caller is. */
  observe(op: Operation, values: RequestValues, res: ScanResponse, owner: string | undefined): void {
    for (const link of linksFor(op, res.status)) {
      const target = linkTarget(link, this.ops);
      if (target === undefined) continue;
      const list = this.linked.get(target.id) ?? [];
      for (const [key, expr] of Object.entries(link.parameters)) {
        const value = evaluate(expr, values, res, op.method);
        if (value === undefined) continue;
        const { slot, name } = linkParam(key);
        list.push({ owner, slot, name, value });
      }
      if (link.requestBody !== undefined) {
        const body = evaluate(link.requestBody, values, res, op.method);
        if (body !== undefined) list.push({ owner, slot: 'body', name: '', value: body });
      }
      this.linked.set(target.id, list.slice(-20));
    }
    if (op.method === 'GET' && !op.path.includes('{') && SELF_PATH.test(op.path) && owner !== undefined) this.profile(owner)?.learn(res.json);
    const record = (obj: unknown): void => {
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return;
      for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
        if (typeof v !== 'string' && typeof v !== 'number') continue;
        const list = this.learned.get(k) ?? [];
        if (!list.some((l) => l.owner === owner && l.value === v)) list.push({ owner, value: v });
        this.learned.set(k, list.slice(-20));
      }
    };
    if (Array.isArray(res.json)) res.json.slice(0, 5).forEach(record);
    else record(res.json);
  }
}
