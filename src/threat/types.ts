/**
 * The shapes of a threat model: spec facts (each with the JSON pointer it was read at), the
 * threats derived from them, and what a gateway config does about each. Reports (Markdown, JSON,
 * HTML) are pure functions of `ThreatModel`.
 */
import type { OwaspCategory, Severity } from '../audit/types.js';

export type { OwaspCategory, Severity } from '../audit/types.js';

export const STRIDE = {
  S: 'Spoofing',
  T: 'Tampering',
  R: 'Repudiation',
  I: 'Information disclosure',
  D: 'Denial of service',
  E: 'Elevation of privilege',
} as const;
export type StrideKey = keyof typeof STRIDE;

/** Something the spec says, where it says it. */
export interface Evidence {
  /** JSON pointer in the document (a `$ref`'d schema: where it is written, not where it is used). */
  readonly pointer: string;
  /** The file the pointer is in (the root document unless a `$ref` reached another file). */
  readonly file: string;
  readonly line: number | undefined;
  /** One short sentence: what the spec says there. */
  readonly says: string;
}

/** A part of the gateway config that acts on a threat. */
export interface ConfigRef {
  /** Key path in the config, `apis[0].policies.objectAuth.rules[0]`. */
  readonly path: string;
  readonly file: string;
  readonly line: number | undefined;
  /** What that part does here. */
  readonly does: string;
}

/**
 * `mitigated`: every fact the threat comes from is covered by an enforced policy; `partial`: some
 * are, or a policy only monitors, or it narrows the threat without removing it; `none`: nothing
 * in the config acts on it, or no config was given.
 */
export type MitigationStatus = 'mitigated' | 'partial' | 'none';

export interface Mitigation {
  readonly status: MitigationStatus;
  readonly by: readonly ConfigRef[];
  /** What remains, in words, when the status is not `mitigated`. */
  readonly gap: string | undefined;
}

export interface AuditLink {
  readonly ruleId: string;
  readonly pointer: string;
  readonly line: number | undefined;
  readonly message: string;
}

export interface Threat {
  /** Stable id of the derivation (`TM-BOLA-READ`). */
  readonly id: string;
  readonly stride: StrideKey;
  readonly owasp: OwaspCategory;
  readonly severity: Severity;
  readonly title: string;
  /** The spec facts the threat is derived from; never empty. */
  readonly because: readonly Evidence[];
  /** What would mitigate it: in the gateway config, and in the spec or service. */
  readonly remedy: string;
  readonly mitigation: Mitigation;
  /** Audit rules that look for this weakness, and the findings they raise on this document. */
  readonly auditRules: readonly string[];
  readonly auditFindings: readonly AuditLink[];
  /** `gatehouse scan` checks that attack it. */
  readonly scanChecks: readonly string[];
  /** Severity weight left after mitigation (see RISK_WEIGHT). */
  readonly risk: number;
}

export interface OperationModel {
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly pointer: string;
  readonly line: number | undefined;
  readonly summary: string | undefined;
  readonly threats: readonly Threat[];
  /** Sum of the threats' remaining risk; operations are ranked by it. */
  readonly risk: number;
}

export interface ThreatModel {
  readonly tool: { readonly name: 'gatehouse-threat-model'; readonly version: string };
  readonly spec: { readonly file: string; readonly title: string; readonly version: string; readonly openapi: string };
  /** The config the mitigations were read from, and the APIs in it that serve the spec. */
  readonly gateway: { readonly file: string; readonly apis: readonly string[] } | undefined;
  /** Threats to the whole API (its servers and security schemes), not to one operation. */
  readonly document: readonly Threat[];
  /** Every operation, highest remaining risk first. */
  readonly operations: readonly OperationModel[];
  readonly totals: {
    readonly threats: number;
    readonly mitigated: number;
    readonly partial: number;
    readonly unmitigated: number;
    readonly risk: number;
  };
}

/** How much a threat of each severity weighs when nothing mitigates it. */
export const RISK_WEIGHT: Readonly<Record<Severity, number>> = { low: 1, medium: 3, high: 7, critical: 10 };
/** The share of that weight left by each mitigation status. */
export const REMAINING: Readonly<Record<MitigationStatus, number>> = { mitigated: 0, partial: 0.5, none: 1 };
