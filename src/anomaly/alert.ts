import { randomUUID } from 'node:crypto';
import type { AlertType } from './config.js';

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** Who or what an alert is about; carries ids only, never a credential. */
export interface AlertSubject {
  readonly kind: 'ip' | 'identity' | 'operation';
  /** The caller key (`ip:1.2.3.4`, `sub:alice`) or `API METHOD path` for operations. */
  readonly value: string;
  readonly ip?: string;
  readonly subject?: string;
  /** Key id of the API key (never the key). */
  readonly credentialId?: string;
  readonly jti?: string;
  /** Token expiry, seconds since epoch. */
  readonly exp?: number;
}

export interface AlertEvidence {
  readonly count: number;
  readonly threshold: number;
  readonly windowMs: number;
  /** Up to five request ids to look up in the gateway log. */
  readonly sampleRequestIds: readonly string[];
  /** What raised or lowered the confidence, in words (`90 % of the ids were refused`). */
  readonly reasons?: readonly string[];
  /** Up to five examples of what was grouped into this alert (paths, operations). */
  readonly examples?: readonly string[];
  readonly [detail: string]: unknown;
}

export interface Alert {
  readonly id: string;
  readonly type: AlertType;
  readonly severity: Severity;
  /**
   * How sure the detector is that this is what the type names (0..1), from the evidence it
   * weighed. Alerts below `monitoring.confidence.alert` are not raised; automatic responses need
   * `monitoring.confidence.respond`.
   */
  readonly confidence: number;
  readonly ts: number;
  readonly summary: string;
  readonly api: string;
  /** Set on alerts about an egress API (a third party our services call); absent: ingress. */
  readonly direction?: 'egress';
  readonly operation?: string;
  readonly subject: AlertSubject;
  readonly evidence: AlertEvidence;
  /** Link to the runbook page of this alert type. */
  readonly runbook: string;
  /** The automatic response taken, if any (filled in by the responder). */
  readonly response?: string;
}

export type AlertDraft = Omit<Alert, 'id' | 'runbook'>;

/** `credentialStuffing` -> `credential-stuffing`: the runbook file name. */
export function runbookName(type: AlertType): string {
  return type.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function finishAlert(draft: AlertDraft, runbookBase: string): Alert {
  return { id: randomUUID(), ...draft, runbook: `${runbookBase}${runbookName(draft.type)}.md` };
}

/** The severity a caller alert gets from its confidence, capped by what its type can mean. */
export function severityFor(confidence: number, highest: Severity): Severity {
  const bySure: Severity = confidence >= 0.8 ? 'high' : confidence >= 0.6 ? 'medium' : 'low';
  const order: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
  return order.indexOf(bySure) <= order.indexOf(highest) ? bySure : highest;
}
