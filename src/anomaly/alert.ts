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
  readonly [detail: string]: unknown;
}

export interface Alert {
  readonly id: string;
  readonly type: AlertType;
  readonly severity: Severity;
  readonly ts: number;
  readonly summary: string;
  readonly api: string;
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
