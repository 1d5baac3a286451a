import { randomBytes } from 'node:crypto';
import { classifyValue, type SensitiveCategory } from '../../detect/sensitive/classify.js';
import type { RequestContext } from '../../gateway/context.js';
import type { PolicyFactory, PolicyInstance } from '../types.js';
import type { MaskAction, MaskingRule } from './config.js';
import { compilePath, visitPath, type CompiledPath } from './json-path.js';
import { maskValue } from './mask.js';

interface PathRule { readonly path: CompiledPath; readonly action: MaskAction; readonly unlessRole: string | undefined }
interface CategoryRule { readonly category: SensitiveCategory; readonly action: MaskAction; readonly unlessRole: string | undefined }

/** Without a configured key, a per-process one: hashed values join within one gateway's lifetime only. */
const PROCESS_KEY = randomBytes(32);

/**
 * Field-level masking of JSON responses by path or by detected category (redact, keep the last
 * digits, keyed hash, drop), per operation and per caller role: an admin may see more.
 */
export const maskingPolicy: PolicyFactory = ({ api, operation, scope }) => {
  const config = api.policies.masking;
  if (config === undefined || config.mode === 'off') return undefined;
  const applies = (rule: MaskingRule): boolean => rule.operations === undefined || (operation !== undefined && rule.operations.includes(operation.id));
  const pathRules: PathRule[] = config.rules.filter((r) => r.path !== undefined && applies(r))
    .map((r) => ({ path: compilePath(r.path as string), action: r.action, unlessRole: r.unlessRole }));
  const categoryRules: CategoryRule[] = config.rules.filter((r) => r.category !== undefined && applies(r))
    .map((r) => ({ category: r.category as SensitiveCategory, action: r.action, unlessRole: r.unlessRole }));
  if (pathRules.length === 0 && categoryRules.length === 0) return undefined;
  if (config.hashKey === undefined && config.rules.some((r) => r.action === 'hash')) {
    scope.once(`masking-key-warning:${api.name}`, () => scope.services.logger.warn({ api: api.name }, 'masking: no hashKey configured; hashed values only join within this process'));
  }
  const key = config.hashKey === undefined ? PROCESS_KEY : Buffer.from(config.hashKey, 'utf8');
  const exempt = (ctx: RequestContext, role: string | undefined): boolean => role !== undefined && ctx.identity?.roles.has(role) === true;

  const instance: PolicyInstance = {
    name: 'masking',
    mode: 'enforce',
    wantsResponseBody(_ctx, response) {
      return response.contentType.includes('json');
    },
    responseBody(ctx, _response, body) {
      for (const rule of pathRules) {
        if (exempt(ctx, rule.unlessRole)) continue;
        visitPath(body, rule.path, (container, k) => { replace(container, k, rule.action, key); ctx.maskedFields++; });
      }
      const active = categoryRules.filter((r) => !exempt(ctx, r.unlessRole));
      if (active.length > 0) ctx.maskedFields += maskCategories(body, active, key, 0);
      return undefined;
    },
  };
  return instance;
};

function replace(container: Record<string, unknown> | unknown[], k: string | number, action: MaskAction, key: Buffer): void {
  const masked = maskValue((container as Record<string | number, unknown>)[k], action, key);
  if (masked === undefined) {
    if (Array.isArray(container)) container[k as number] = null;
    else delete container[k as string];
  } else {
    (container as Record<string | number, unknown>)[k] = masked;
  }
}

/** Masks every string whose category has a rule; returns how many it masked. */
function maskCategories(node: unknown, rules: readonly CategoryRule[], key: Buffer, depth: number): number {
  if (node === null || typeof node !== 'object' || depth > 64) return 0;
  let masked = 0;
  const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
  for (const [k, value] of entries) {
    if (typeof value === 'string') {
      const category = classifyValue(value);
      if (category === undefined) continue;
      const rule = rules.find((r) => r.category === category);
      if (rule !== undefined) {
        replace(node as Record<string, unknown>, k, rule.action, key);
        masked++;
      }
    } else if (value !== null && typeof value === 'object') {
      masked += maskCategories(value, rules, key, depth + 1);
    }
  }
  return masked;
}
