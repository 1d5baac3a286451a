/**
 * The shapes the scanner passes around: what a scan was asked to do, what it sent, what it found.
 * Reports (text, JSON, SARIF, JUnit, HTML) are pure functions of `ScanReport`.
 */

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CHECKS = [
  'fuzz', 'stateful', 'auth', 'bola', 'bfla', 'mass-assignment', 'exposure', 'misconfig',
  'injection', 'ssrf', 'rate-limit', 'inventory',
  'auth-undeclared', 'jwt', 'bola-write', 'enumeration', 'traversal', 'open-redirect', 'ssti', 'xxe', 'redos',
] as const;
export type CheckId = (typeof CHECKS)[number];

/** OWASP API Security Top 10 (2023) categories the checks map to. */
export const OWASP = {
  API1: 'API1:2023 Broken Object Level Authorization',
  API2: 'API2:2023 Broken Authentication',
  API3: 'API3:2023 Broken Object Property Level Authorization',
  API4: 'API4:2023 Unrestricted Resource Consumption',
  API5: 'API5:2023 Broken Function Level Authorization',
  API7: 'API7:2023 Server Side Request Forgery',
  API8: 'API8:2023 Security Misconfiguration',
  API9: 'API9:2023 Improper Inventory Management',
  API10: 'API10:2023 Unsafe Consumption of APIs',
} as const;
export type OwaspCategory = (typeof OWASP)[keyof typeof OWASP];

/** A credential: one header the scanner adds to act as this identity. */
export interface Identity {
  readonly name: string;
  readonly header: string;
  readonly value: string;
}

/** A request as the scanner sends it; `path` includes the base path and the query string. */
export interface ScanRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The identity whose credential is in `headers`, for redaction in curl commands. */
  readonly identity?: string;
}

export interface ScanResponse {
  /** 0 when no response arrived (see `error`). */
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body parsed as JSON when it is JSON, else undefined. */
  readonly json: unknown;
  readonly elapsedMs: number;
  /** `refused`: the connection was refused; `network`: it dropped without an answer. */
  readonly error?: 'timeout' | 'network' | 'refused';
  readonly errorMessage?: string;
  /**
   * True when the target went down with this request or while it was in flight (see liveness.ts):
   * the outage is reported once, by the scan, and no check judges this response.
   */
  readonly outage?: boolean;
}

export interface Exchange {
  readonly request: ScanRequest;
  readonly response: ScanResponse;
  /** The spec operation the request targets, when it targets one. */
  readonly operation?: string;
}

/** What raised a finding: a check, or the scan's own watch over the target's availability. */
export type FindingSource = CheckId | 'availability';

export interface Finding {
  /** Stable rule id, e.g. `fuzz.server-error`. */
  readonly ruleId: string;
  /** `warning`: the spec is ambiguous (it does not say the behaviour is wrong); never gates. */
  readonly kind: 'finding' | 'warning';
  readonly check: FindingSource;
  readonly severity: Severity;
  readonly owasp: OwaspCategory | undefined;
  readonly title: string;
  /** Operation id (or `METHOD /path` for requests outside the spec). */
  readonly operation: string | undefined;
  /** What was observed, in one or two sentences. */
  readonly evidence: string;
  readonly request: ScanRequest;
  readonly status: number;
  /** A shell command that reproduces the request; credentials come from environment variables. */
  readonly curl: string;
  /** How many times the same rule fired on the same operation. */
  occurrences: number;
}

export type CoverageState = 'reached' | 'refused' | 'rejected' | 'failed' | 'not-reached';

export interface OperationCoverage {
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly state: CoverageState;
  readonly requests: number;
  readonly statuses: Readonly<Record<string, number>>;
}

export interface ScanReport {
  readonly tool: { readonly name: 'gatehouse-scan'; readonly version: string };
  readonly spec: string;
  readonly target: string;
  readonly seed: number;
  readonly checks: readonly CheckId[];
  readonly startedAt: string;
  readonly durationMs: number;
  readonly requests: number;
  /** True when the request or time budget ran out before every check finished. */
  readonly truncated: boolean;
  readonly findings: readonly Finding[];
  readonly coverage: readonly OperationCoverage[];
  /** Notes for the reader: skipped checks and why, budget exhaustion. */
  readonly notes: readonly string[];
}
