import type { Alert } from './alert.js';
import type { MonitoringConfig, ResponseAction } from './config.js';
import type { Revocation, RevocationList } from './revocations.js';

/**
 * Turns an alert into the automatic response its type is configured for. Every action is a
 * revocation entry (audited, listed and reversible with `gatehouse revocations remove`), and
 * lasts `blockFor`, or for a token's `jti` until the token expires anyway.
 * Returns a description of what was done, or undefined.
 */
export async function respondTo(alert: Alert, config: MonitoringConfig, list: RevocationList, now: number): Promise<string | undefined> {
  const action: ResponseAction | undefined = config.respond[alert.type];
  if (action === undefined || action === 'none') return undefined;
  // Fail safe: an alert without a usable confidence (an older producer, a bug) is never acted on.
  const confidence = alert.confidence;
  if (!(typeof confidence === 'number' && confidence >= config.confidence.respond)) {
    return `none: confidence ${typeof confidence === 'number' ? confidence : 'unknown'} is below ${config.confidence.respond}, ${action} not taken`;
  }
  const entry = entryFor(alert, action, config, now);
  if (entry === undefined) return undefined;
  await list.add(entry);
  return `${action}: ${entry.action} ${entry.kind} ${entry.value}${entry.expiresAt === undefined ? '' : ` until ${new Date(entry.expiresAt).toISOString()}`}`;
}

function entryFor(alert: Alert, action: ResponseAction, config: MonitoringConfig, now: number): Revocation | undefined {
  const s = alert.subject;
  // Shadow and zombie alerts describe the API's surface: the caller is often a legitimate client
  // of an endpoint nobody declared or retired, so they name it but never act against it.
  if (s.kind === 'operation' || alert.type === 'shadowTraffic' || alert.type === 'zombieTraffic') return undefined;
  const base = { reason: `${alert.type} alert ${alert.id}`, by: 'auto', alertId: alert.id, createdAt: now, expiresAt: now + config.blockMs };
  switch (action) {
    case 'block-ip':
      return s.ip === undefined ? undefined : { ...base, kind: 'ip', value: s.ip, action: 'block' };
    case 'block-identity':
      if (s.subject !== undefined) return { ...base, kind: 'subject', value: s.subject, action: 'block' };
      return s.ip === undefined ? undefined : { ...base, kind: 'ip', value: s.ip, action: 'block' };
    case 'tighten-rate':
      if (s.subject !== undefined) return { ...base, kind: 'subject', value: s.subject, action: 'throttle', perMinute: config.tightenedPerMinute };
      return s.ip === undefined ? undefined : { ...base, kind: 'ip', value: s.ip, action: 'throttle', perMinute: config.tightenedPerMinute };
    case 'revoke':
      // The narrowest thing that stops the attacker: the token (until it expires: a deny-list
      // entry past `exp` protects nothing), else the API key, else the subject, else the address.
      if (s.jti !== undefined) {
        const expiresAt = s.exp === undefined ? now + config.blockMs : Math.max(now + 1000, s.exp * 1000);
        return { ...base, kind: 'jti', value: s.jti, action: 'block', expiresAt };
      }
      if (s.credentialId !== undefined) {
        // A key caught attacking stays revoked until an operator lifts it.
        const { expiresAt: _temporary, ...permanent } = base;
        return { ...permanent, kind: 'credential', value: s.credentialId, action: 'block' };
      }
      if (s.subject !== undefined) return { ...base, kind: 'subject', value: s.subject, action: 'block' };
      return s.ip === undefined ? undefined : { ...base, kind: 'ip', value: s.ip, action: 'block' };
    default:
      return undefined;
  }
}
