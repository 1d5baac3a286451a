/**
 * Open redirect (API8): inputs that name where to go next (`next`, `returnTo`, `redirect_uri`, a
 * path parameter of a logout or redirect route) are set to a foreign origin in the spellings that
 * slip past naive checks: absolute, scheme-relative, backslash, no scheme (for services that
 * prepend one). A finding needs a redirect status whose `Location` (or `Refresh`) resolves to that
 * foreign host; the scanner never follows it.
 */
import { randomBytes } from 'node:crypto';
import type { Operation } from '../../openapi/index.js';
import { goodValues, sendOp, type ScanContext } from '../context.js';
import { confine, senderFor } from '../credential-writes.js';
import { OWASP } from '../types.js';
import { isStringy } from './inputs.js';
import { allSpots, words } from './spots.js';

/** A host under a reserved TLD (RFC 2606): nothing real can ever answer there. */
export const FOREIGN_HOST = 'gh-redirect.example';
const REDIRECT_INPUT = /(^| )(redirect|redirect (ur[il]|to)|return( to| url| uri)?|next|continue|dest|destination|goto|go|to|target|forward|callback( url)?|url|uri|r|u|out|back|ref|success( url)?|failure( url)?|cancel( url)?|done|location|link|jump)( |$)/;
const REDIRECT_PATH = /(redirect|logout|log-out|signout|sign-out|login|callback|return|goto|go|jump|forward|out|link|continue|next)/i;
const MAX_SPOTS = 10;

/** Where a redirect answer sends the client, resolved against the request URL. */
export function redirectTarget(status: number, headers: Readonly<Record<string, string>>, requestUrl: string): URL | undefined {
  const refresh = /url\s*=\s*['"]?([^'";]+)/i.exec(headers.refresh ?? '')?.[1];
  const location = status >= 300 && status < 400 ? headers.location : undefined;
  const raw = location ?? refresh;
  if (raw === undefined) return undefined;
  try {
    // Browsers treat "\" as "/" in special URLs; WHATWG URL parsing does the same.
    return new URL(raw.trim(), requestUrl);
  } catch {
    return undefined;
  }
}

export async function openRedirectCheck(ctx: ScanContext): Promise<void> {
  const targets: { op: Operation; spot: ReturnType<typeof allSpots>[number] }[] = [];
  for (const op of ctx.operations) {
    const redirectOp = REDIRECT_PATH.test(op.path.replace(/\{[^}]+\}/g, ''));
    for (const spot of allSpots(op, (n, s) => isStringy(s) && (REDIRECT_INPUT.test(words(n)) || (redirectOp && /url|uri|to|next|path|target|dest|redirect/i.test(n))))) {
      targets.push({ op, spot });
    }
  }
  for (const { op, spot } of targets.slice(0, MAX_SPOTS)) {
    const sender = await senderFor(ctx, op);
    if ('skip' in sender) continue;
    ctx.phase(`open-redirect ${op.id}`);
    const token = randomBytes(4).toString('hex');
    const base = await confine(ctx, op, goodValues(ctx, op, sender.identity?.name), sender);
    for (const value of [`https://${FOREIGN_HOST}/${token}`, `//${FOREIGN_HOST}/${token}`, `/\\${FOREIGN_HOST}/${token}`, `${FOREIGN_HOST}/${token}`]) {
      const sent = await sendOp(ctx, op, spot.set(base, value), sender.identity);
      const to = redirectTarget(sent.response.status, sent.response.headers, `${ctx.client.origin}${sent.request.path}`);
      if (to?.hostname !== FOREIGN_HOST) continue;
      ctx.findings.add({
        ruleId: 'open-redirect.foreign-location', check: 'open-redirect', severity: 'medium', owasp: OWASP.API8,
        title: 'Open redirect to a foreign origin', operation: op.id, request: sent.request, response: sent.response, key: `${spot.where}:${spot.name}`,
        evidence: `${spot.where} "${spot.name}" = ${JSON.stringify(value)} answered ${sent.response.status} redirecting to ${to.href} (Location: ${sent.response.headers.location ?? sent.response.headers.refresh ?? ''})`,
      });
      break;
    }
  }
}
