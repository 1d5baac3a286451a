/**
 * What a Gatehouse config guarantees at runtime for the specs it serves, so the audit can mark
 * findings "mitigated by the gateway" instead of dropping them. A deliberately minimal, tolerant
 * reading of the config (unknown keys ignored) until the config module exports a typed loader:
 *   apis[].spec, apis[].policies.contract (present: request validation on),
 *   apis[].policies.rateLimit (present: rate limited), limits { maxBodyBytes, maxStringLength, maxArrayItems }.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../errors/index.js';
import { auditFile } from './engine.js';
import type { GuaranteeKey } from './types.js';
import { isObject } from './raw.js';

/** Guarantee key -> human wording used in reports (`mitigatedByGateway`). */
export type SpecGuarantees = Partial<Record<GuaranteeKey, string>>;

export interface GatewayGuarantees {
  /** Absolute spec path -> what the gateway guarantees for it. */
  forSpec(file: string): SpecGuarantees | undefined;
}

export async function loadGatewayGuarantees(configFile: string): Promise<GatewayGuarantees> {
  let doc: unknown;
  try {
    doc = parse(await readFile(configFile, 'utf8'));
  } catch (err) {
    throw new ConfigError(configFile, [{ path: '', message: `cannot read gateway config: ${(err as Error).message.split('\n')[0] ?? ''}` }]);
  }
  const bySpec = new Map<string, SpecGuarantees>();
  if (!isObject(doc)) return { forSpec: () => undefined };
  const base = path.dirname(path.resolve(configFile));
  const limits = isObject(doc.limits) ? doc.limits : {};
  const num = (k: string): number | undefined => (typeof limits[k] === 'number' && limits[k] > 0 ? limits[k] : undefined);
  const maxString = num('maxStringLength');
  const maxItems = num('maxArrayItems');
  const maxBody = num('maxBodyBytes');
  for (const api of Array.isArray(doc.apis) ? doc.apis : []) {
    if (!isObject(api) || typeof api.spec !== 'string') continue;
    const policies = isObject(api.policies) ? api.policies : {};
    const g: SpecGuarantees = {};
    const contract = policies.contract;
    const contractOn = contract !== undefined && contract !== null && !(isObject(contract) && contract.mode === 'off');
    if (contractOn) {
      if (maxString !== undefined) g.maxStringLength = `strings limited to ${maxString} characters by limits.maxStringLength`;
      if (maxItems !== undefined) g.maxArrayItems = `arrays limited to ${maxItems} items by limits.maxArrayItems`;
      if (!(isObject(contract) && contract.unknownFields === 'allow')) g.unknownFieldsRejected = 'undeclared fields rejected by the contract policy';
    }
    if (maxBody !== undefined) g.maxBodyBytes = `bodies limited to ${maxBody} bytes by limits.maxBodyBytes`;
    const rl = policies.rateLimit;
    if (rl !== undefined && rl !== null && !(isObject(rl) && rl.mode === 'off')) g.rateLimited = 'rate limited by the gateway\'s rateLimit policy';
    bySpec.set(path.resolve(base, api.spec), g);
  }
  return { forSpec: (file) => bySpec.get(path.resolve(file)) };
}

/** For `check-config`: the audit score of each configured spec (an unreadable spec scores 0). */
export async function auditScoreForSpecs(specFiles: string[]): Promise<{ file: string; score: number }[]> {
  const out: { file: string; score: number }[] = [];
  for (const file of specFiles) out.push({ file, score: (await auditFile(file)).score });
  return out;
}
